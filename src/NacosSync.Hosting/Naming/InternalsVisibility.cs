using System.Runtime.CompilerServices;

// The naming benchmark (bench/naming) drives the runner and keeper directly.
[assembly: InternalsVisibleTo("NacosSync.Bench.Naming")]
