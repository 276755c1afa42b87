using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("NacosSync.Hosting")]
[assembly: InternalsVisibleTo("NacosSync.Engine")]
[assembly: InternalsVisibleTo("NacosSync")]
