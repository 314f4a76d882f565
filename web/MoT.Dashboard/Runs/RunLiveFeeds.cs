using System.Runtime.CompilerServices;
using System.Threading.Channels;
using MoT.Contracts.Runs;

namespace MoT.Dashboard.Runs;

/// <summary>
/// One live progress subscription per run for the whole dashboard host, fanned out to every page that watches the run:
/// fifty open pages of one run cost the run grain one watcher, not fifty. The subscription starts with the first
/// watcher and ends with the last (or when the run's feed ends, which every watcher then sees end too).
/// </summary>
public sealed class RunLiveFeeds(Func<Guid, CancellationToken, IAsyncEnumerable<RunProgress>> source, ILogger<RunLiveFeeds> logger)
{
    /// <summary>Feeds read from the run grains (<see cref="IRunGrain.WatchProgressAsync"/>).</summary>
    public RunLiveFeeds(IGrainFactory grains, ILogger<RunLiveFeeds> logger)
        : this((runId, cancel) => grains.GetGrain<IRunGrain>(runId).WatchProgressAsync(cancel), logger)
    {
    }

    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, Feed> _feeds = [];

    /// <summary>Watchers of runs with a subscription open (for tests and diagnostics).</summary>
    public int Watchers
    {
        get
        {
            lock (_gate) return _feeds.Values.Sum(f => f.Watchers.Count);
        }
    }

    /// <summary>The run's progress reports as the run grain pushes them, from now until the run ends or
    /// <paramref name="cancellationToken"/> fires. A watcher that falls behind loses its oldest reports, as with the grain.</summary>
    public async IAsyncEnumerable<RunProgress> WatchAsync(Guid runId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateBounded<RunProgress>(new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        Feed feed;
        lock (_gate)
        {
            if (!_feeds.TryGetValue(runId, out feed!))
            {
                _feeds[runId] = feed = new Feed();
                feed.Pump = PumpAsync(runId, feed);
            }

            feed.Watchers.Add(channel.Writer);
        }

        try
        {
            await foreach (var progress in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return progress;
            }
        }
        finally
        {
            Leave(runId, feed, channel.Writer);
        }
    }

    private void Leave(Guid runId, Feed feed, ChannelWriter<RunProgress> watcher)
    {
        lock (_gate)
        {
            feed.Watchers.Remove(watcher);
            if (feed.Watchers.Count > 0) return;
            if (_feeds.TryGetValue(runId, out var current) && current == feed) _feeds.Remove(runId);
        }

        feed.Stop.Cancel();
    }

    /// <summary>Reads the grain's feed once and copies every report to each watcher; when it ends (or fails), so do theirs.</summary>
    private async Task PumpAsync(Guid runId, Feed feed)
    {
        await Task.Yield(); // leave the caller's lock before the first grain call
        Exception? failure = null;
        try
        {
            await foreach (var progress in source(runId, feed.Stop.Token).WithCancellation(feed.Stop.Token))
            {
                ChannelWriter<RunProgress>[] watchers;
                lock (_gate) watchers = [.. feed.Watchers];
                foreach (var watcher in watchers) watcher.TryWrite(progress);
            }
        }
        catch (OperationCanceledException) when (feed.Stop.IsCancellationRequested)
        {
            // the last watcher left
        }
        catch (KeyNotFoundException e)
        {
            // A sweep's listed run not created yet: its pages look again shortly, no warning each time.
            logger.LogDebug("Run {RunId} has no live progress yet: {Message}", runId, e.Message);
            failure = e;
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Live progress of run {RunId} stopped", runId);
            failure = e;
        }

        ChannelWriter<RunProgress>[] left;
        lock (_gate)
        {
            // A later watcher starts a new subscription (the run may have been resumed meanwhile).
            if (_feeds.TryGetValue(runId, out var current) && current == feed) _feeds.Remove(runId);
            left = [.. feed.Watchers];
        }

        foreach (var watcher in left) watcher.TryComplete(failure);
    }

    private sealed class Feed
    {
        public List<ChannelWriter<RunProgress>> Watchers { get; } = [];
        public CancellationTokenSource Stop { get; } = new();
        public Task? Pump { get; set; }
    }
}
