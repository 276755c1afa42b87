# NacosSync daemon image.  docker build -t nacos-sync .
# Runs `nacos-sync run`; mount the configuration at /etc/nacos-sync/nacos-sync.json and secrets under /run/secrets.
# The published output is the one the test suite builds and runs (Release, src/NacosSync). Runs as the
# image's non-root user `app` (uid 1654) and needs no writable root file system (the chart mounts /tmp).
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
USER 1654:1654
# No curl in the runtime image: the daemon's own probe of /healthz.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["dotnet", "/app/nacos-sync.dll", "health", "--url", "http://127.0.0.1:9898/healthz"]
ENTRYPOINT ["dotnet", "/app/nacos-sync.dll"]
CMD ["run"]
