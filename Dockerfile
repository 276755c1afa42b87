# NacosSync daemon image.  docker build -t nacos-sync .
# Runs `nacos-sync run`; mount the configuration at /etc/nacos-sync/nacos-sync.json and secrets under /run/secrets.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json nuget.config Directory.Build.props Directory.Packages.props .editorconfig NacosSync.sln ./
COPY src/ src/
COPY config/ config/
RUN dotnet publish src/NacosSync/NacosSync.csproj -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app ./
COPY config/nacos-sync.json /etc/nacos-sync/nacos-sync.json
ENV NACOSSYNC_CONFIG=/etc/nacos-sync/nacos-sync.json \
    DOTNET_gcServer=0 \
    DOTNET_GCHeapHardLimitPercent=0x4B
EXPOSE 9898
USER app
ENTRYPOINT ["dotnet", "/app/nacos-sync.dll"]
CMD ["run"]
