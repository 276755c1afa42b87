using Microsoft.Extensions.Logging;
using NacosSync.Engine.Clusters;

namespace NacosSync.Engine.Naming;

/// <summary>How the feed picks a task's transport: gRPC subscriptions where the source cluster is on gRPC, else the UDP listener.</summary>
internal sealed partial class NamingChangeFeed
{
    /// <summary>The gRPC feed of a task, or null while it is on UDP or not chosen yet (tests and the benchmark).</summary>
    internal GrpcServiceSubscriber? Subscriber(string taskName) => _tasks.TryGetValue(taskName, out var watch) ? watch.Subscriber : null;

    /// <summary>
    /// Once per task: the task's own gRPC connection to the source (<see cref="ClusterRegistry.GrpcAsync"/>, purpose
    /// <c>feed/&lt;task&gt;</c>: a push is read once, so each task reads its own) when the cluster is on gRPC; the UDP
    /// listener otherwise (1.4, <c>Transport: Http</c>, or Auto with no gRPC port answering). A cluster set to
    /// <c>Grpc</c> that cannot be reached that way fails the run, naming the key, and is tried again next run.
    /// </summary>
    private async Task ChooseFeedAsync(NamingTask task, NamingTaskWatch watch, CancellationToken cancellationToken)
    {
        if (watch.FeedChosen)
        {
            return;
        }

        var connection = clusters is null ? null : await clusters.GrpcAsync(task.Options.Source, "naming", "feed/" + task.Name, cancellationToken);
        lock (watch)
        {
            if (watch.FeedChosen)
            {
                return;
            }

            if (connection is not null)
            {
                watch.Subscriber = new GrpcServiceSubscriber(task.Name, connection, watch, (group, service, ns) => Pushed(task.Name, group, service, ns),
                    () => Wake(task.Name), timeProvider, logger, _options.SubscribeInFlight);
                LogGrpcFeed(logger, task.Name, task.Options.Source, watch.Services.Count);
            }
            else
            {
                EnsureListener(task, watch);
            }

            watch.FeedChosen = true;
        }
    }

    [LoggerMessage(EventId = 4127, Level = LogLevel.Information,
        Message = "Task {Task}: watching source cluster {Cluster} over gRPC: subscribing {Count} service(s), no renewals")]
    private static partial void LogGrpcFeed(ILogger logger, string task, string cluster, int count);
}
