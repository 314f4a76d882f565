using Microsoft.EntityFrameworkCore;
using MoT.Data.Ingest;
using MoT.Data.Tests.Infrastructure;

namespace MoT.Data.Tests;

public abstract class OutageTests(DatabaseTarget target) : DataTestBase(target)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private MetricIngestor NewIngestor(int maxBuffered) => MetricIngestor.Create(
        Database,
        MetricIngestorOptions.Default with
        {
            BatchSize = 500,
            MaxBufferedPoints = maxBuffered,
            FlushInterval = TimeSpan.FromMilliseconds(50),
            InitialRetryDelay = TimeSpan.FromMilliseconds(50),
            MaxRetryDelay = TimeSpan.FromMilliseconds(500),
        });

    private static MetricPointRecord[] Points(Guid run, int from, int count) =>
        [.. Enumerable.Range(from, count).Select(i => new MetricPointRecord(run, "train/loss", i, 1.0 / (i + 1), Epoch))];

    private async Task<int> CountAsync(Guid run)
    {
        await using var db = await Contexts.CreateDbContextAsync(Token);
        return await db.MetricPoints.CountAsync(m => m.RunId == run, Token);
    }

    private static async Task WaitUntilDrainedAsync(MetricIngestor ingestor)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (ingestor.BufferedPoints > 0 && DateTime.UtcNow < deadline)
            await Task.Delay(50, Token);
    }

    [Fact]
    public async Task Database_down_gives_a_clear_error_and_the_buffered_batch_lands_when_it_is_back()
    {
        var run = (await AddRunsAsync(NewRun()))[0];
        await using var ingestor = NewIngestor(maxBuffered: 10_000);
        await ingestor.WriteAsync(Points(run.Id, 0, 100), Token);
        await ingestor.FlushAsync(Token);

        MetricStoreUnavailableException error;
        await using (await Target.BeginOutageAsync(Database))
        {
            await ingestor.WriteAsync(Points(run.Id, 100, 1200), Token);
            error = await Assert.ThrowsAsync<MetricStoreUnavailableException>(() => ingestor.FlushAsync(Token));
            await Task.Delay(300, Token); // let the background loop retry (and fail) a few times
            Assert.Equal(1200, ingestor.BufferedPoints);
            Assert.NotNull(ingestor.LastError);
        }

        Assert.Contains("Metric store unavailable", error.Message);
        Assert.Contains("1200 points stay buffered", error.Message);
        Assert.NotNull(error.InnerException);

        // No explicit flush: the retry loop alone must deliver what was buffered during the outage.
        await WaitUntilDrainedAsync(ingestor);
        Assert.Equal(0, ingestor.BufferedPoints);
        Assert.Null(ingestor.LastError);
        Assert.Equal(1300, await CountAsync(run.Id));
    }

    [Fact]
    public async Task Shutting_down_during_an_outage_hands_back_the_unwritten_points()
    {
        var run = (await AddRunsAsync(NewRun()))[0];
        var ingestor = NewIngestor(maxBuffered: 10_000);
        MetricsNotWrittenException error;
        await using (await Target.BeginOutageAsync(Database))
        {
            await ingestor.WriteAsync(Points(run.Id, 0, 750), Token);
            error = await Assert.ThrowsAsync<MetricsNotWrittenException>(async () => await ingestor.DisposeAsync());
        }
        Assert.Equal(750, error.Points.Count);
        Assert.Contains("750 points were not written", error.Message);
        Assert.Equal(Enumerable.Range(0, 750).Select(i => (long)i), error.Points.Select(p => p.Step));
        Assert.Equal(0, await CountAsync(run.Id));
    }

    [Fact]
    public async Task Disposing_twice_flushes_once_and_the_second_dispose_neither_throws_nor_repeats_the_error()
    {
        // A host disposes a singleton once per registration (MetricIngestor and IMetricSink): the second must be harmless.
        var run = (await AddRunsAsync(NewRun()))[0];
        var ingestor = NewIngestor(maxBuffered: 10_000);
        await ingestor.WriteAsync(Points(run.Id, 0, 300), Token);

        await ingestor.DisposeAsync();
        await ingestor.DisposeAsync();

        Assert.True(ingestor.IsDisposed);
        Assert.Equal(300, await CountAsync(run.Id));
        Assert.Throws<ObjectDisposedException>(() => { _ = ingestor.WriteAsync(Points(run.Id, 300, 1), Token); });
    }

    [Fact]
    public async Task Full_buffer_refuses_new_points_loudly_and_keeps_the_ones_it_accepted()
    {
        var run = (await AddRunsAsync(NewRun()))[0];
        await using var ingestor = NewIngestor(maxBuffered: 1000);

        await using (await Target.BeginOutageAsync(Database))
        {
            await ingestor.WriteAsync(Points(run.Id, 0, 900), Token);
            await Assert.ThrowsAsync<MetricStoreUnavailableException>(() => ingestor.FlushAsync(Token));
            var full = await Assert.ThrowsAsync<MetricBufferFullException>(
                async () => await ingestor.WriteAsync(Points(run.Id, 900, 200), Token));
            Assert.Contains("900 points are waiting", full.Message);
            Assert.Contains("bound 1000", full.Message);
            Assert.Contains("200 new points were NOT accepted", full.Message);
            Assert.Equal(900, ingestor.BufferedPoints);
        }

        await ingestor.FlushAsync(Token);
        Assert.Equal(900, await CountAsync(run.Id));
    }
}

public sealed class SqliteOutageTests() : OutageTests(new SqliteTarget());

[Collection(PostgresCollection.Name)]
public sealed class PostgresOutageTests(PostgresServer server) : OutageTests(new PostgresTarget(server));
