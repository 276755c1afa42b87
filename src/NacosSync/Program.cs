using NacosSync.Cli.Commands;

return await NacosSyncCommandLine.Create().Parse(args).InvokeAsync();
