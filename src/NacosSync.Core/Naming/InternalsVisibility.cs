using System.Runtime.CompilerServices;

// The naming core is internal; the Nacos client and the host compose it.
[assembly: InternalsVisibleTo("NacosSync.Nacos")]
[assembly: InternalsVisibleTo("NacosSync.Hosting")]
[assembly: InternalsVisibleTo("NacosSync.Engine")]
[assembly: InternalsVisibleTo("NacosSync")]
[assembly: InternalsVisibleTo("NacosSync.Bench")]
