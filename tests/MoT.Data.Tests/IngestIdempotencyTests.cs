using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using MoT.Data.Ingest;
using MoT.Data.Tests.Infrastructure;
using Npgsql;

namespace MoT.Data.Tests;

/// <summary>
/// The ingest guarantee as a property: whatever mix of new points, overlapping re-sends, runs interleaved in one batch,
/// two writers on the same runs and crashes (between the COPY and the merge, or after a commit whose acknowledgement is
/// lost) reaches the store, it ends up holding exactly one row per (run, name, step) with the last value sent, as
/// computed here from the sends alone.
/// </summary>
public abstract class IngestIdempotencyTests(DatabaseTarget target) : DataTestBase(target)
{
    protected static CancellationToken Token => TestContext.Current.CancellationToken;
    private static readonly string[] Names = ["train/loss", "train/lr", "eval/loss"];

    /// <summary>What went wrong inside a crash hook (its exceptions count as outages there, so they are kept here).</summary>
    protected ConcurrentQueue<string> HookFailures { get; } = new();

    /// <summary>Makes the writer's transaction die at <paramref name="stage"/> as a crash would.</summary>
    private protected virtual Task CrashAsync(IngestStage stage) =>
        throw new IOException($"simulated crash of the writer at {stage}");

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task Resends_interleaved_runs_and_crashes_leave_exactly_the_last_value_sent_per_key(int seed)
    {
        var random = new Random(seed);
        var runs = (await AddRunsAsync(NewRun(), NewRun(), NewRun())).Select(r => r.Id).ToArray();
        var crashes = new Dictionary<IngestStage, int> { [IngestStage.Copied] = 0, [IngestStage.Committed] = 0 };
        var writes = 0;
        Task Fault(IngestStage stage)
        {
            lock (crashes)
            {
                if (stage == IngestStage.Copied) writes++;
                // The first write crashes between COPY and merge, the second after its commit; then one in four at random.
                var crash = stage switch
                {
                    IngestStage.Copied => writes == 1 || (writes > 2 && random.Next(8) == 0),
                    _ => writes == 2 || (writes > 2 && random.Next(8) == 0),
                };
                if (!crash) return Task.CompletedTask;
                crashes[stage]++;
            }
            return CrashAsync(stage);
        }

        // Two writers (as two silos, or a silo before and after a restart) on the same runs; sends alternate between them.
        var ingestors = new[] { NewIngestor(random.Next(10, 300), Fault), NewIngestor(random.Next(10, 300), Fault) };
        var sent = new List<MetricPointRecord>();
        try
        {
            var cursors = new long[runs.Length];
            for (var send = 0; send < 12; send++)
            {
                var points = new List<List<MetricPointRecord>>();
                foreach (var r in Enumerable.Range(0, runs.Length).Where(_ => random.Next(3) > 0))
                {
                    // Resume from a little before the highest step sent so far (a retry or a restart from a checkpoint).
                    var from = Math.Max(0, cursors[r] - random.Next(0, 80));
                    var to = from + random.Next(1, 150);
                    var series = new List<MetricPointRecord>();
                    for (var step = from; step < to; step++)
                        foreach (var name in Names.Where(n => n != "eval/loss" || step % 10 == 0))
                            series.Add(new MetricPointRecord(runs[r], name, step, random.NextDouble(), Epoch.AddSeconds(step + send)));
                    cursors[r] = Math.Max(cursors[r], to);
                    points.Add(series);
                }
                var batch = Interleave(points, random);
                if (batch.Count > 0 && random.Next(4) == 0) // a key sent twice within one send: the later value counts
                    batch.Add(batch[random.Next(batch.Count)] with { Value = random.NextDouble() });
                if (batch.Count == 0) continue;

                var ingestor = ingestors[send % 2];
                await ingestor.WriteAsync(batch, Token);
                await FlushUntilStoredAsync(ingestor);
                sent.AddRange(batch);
            }
        }
        finally
        {
            foreach (var ingestor in ingestors) await ingestor.DisposeAsync();
        }

        Assert.Empty(HookFailures);
        var expected = sent.GroupBy(p => (p.RunId, p.Name, p.Step)).ToDictionary(g => g.Key, g => g.Last());
        var stored = await RowsAsync(runs);
        Assert.True(crashes[IngestStage.Copied] > 0 && crashes[IngestStage.Committed] > 0, "both kinds of crash were exercised");
        Assert.Equal(expected.Count, stored.Count);
        foreach (var row in stored)
        {
            Assert.True(expected.TryGetValue((row.RunId, row.Name, row.Step), out var point),
                $"stored point ({row.RunId}, {row.Name}, {row.Step}) was never sent");
            Assert.Equal(point.Value, row.Value);
            Assert.Equal(point.WallTime, row.WallTime);
        }
    }

    [Fact]
    public async Task A_crash_between_copy_and_merge_of_a_resend_stores_nothing_of_that_batch_until_its_retry()
    {
        var run = (await AddRunsAsync(NewRun()))[0].Id;
        var crashed = 0;
        var blocked = new TaskCompletionSource();
        // No background flush: the test's own flush must be the one that meets the crash.
        await using var ingestor = NewIngestor(1000, async stage =>
        {
            if (stage != IngestStage.Copied || Interlocked.Increment(ref crashed) != 2) return;
            await CrashAsync(stage);
        }, flushInterval: TimeSpan.FromHours(1));
        var first = Enumerable.Range(0, 300).Select(i => new MetricPointRecord(run, "loss", i, i, Epoch)).ToArray();
        await ingestor.WriteAsync(first, Token);
        await ingestor.FlushAsync(Token);

        // Steps 200..399, new values: the overlap is staged, the crash comes before the merge.
        var resend = Enumerable.Range(200, 200).Select(i => new MetricPointRecord(run, "loss", i, -i, Epoch)).ToArray();
        await ingestor.WriteAsync(resend, Token);
        await Assert.ThrowsAsync<MetricStoreUnavailableException>(() => ingestor.FlushAsync(Token));
        var afterCrash = await RowsAsync([run]);
        Assert.Equal(300, afterCrash.Count);
        Assert.All(afterCrash, r => Assert.Equal((double)r.Step, r.Value)); // nothing of the crashed batch was kept

        await FlushUntilStoredAsync(ingestor);
        var rows = await RowsAsync([run]);
        Assert.Equal(400, rows.Count);
        Assert.All(rows, r => Assert.Equal((double)(r.Step < 200 ? r.Step : -r.Step), r.Value));
        Assert.Empty(HookFailures);
    }

    private MetricIngestor NewIngestor(int batchSize, Func<IngestStage, Task> fault, TimeSpan? flushInterval = null)
    {
        var writer = MetricBatchWriter.Create(Database);
        ((IFaultInjectable)writer).FaultInjection = fault;
        return new MetricIngestor(writer, MetricIngestorOptions.Default with
        {
            BatchSize = batchSize,
            FlushInterval = flushInterval ?? TimeSpan.FromMilliseconds(50),
            InitialRetryDelay = TimeSpan.FromMilliseconds(20),
            MaxRetryDelay = TimeSpan.FromMilliseconds(200),
        });
    }

    /// <summary>Round robin over the runs' series in random-sized chunks, so batches cut them at different places.</summary>
    private static List<MetricPointRecord> Interleave(List<List<MetricPointRecord>> series, Random random)
    {
        var result = new List<MetricPointRecord>();
        var offsets = new int[series.Count];
        while (result.Count < series.Sum(s => s.Count))
            for (var s = 0; s < series.Count; s++)
            {
                var take = Math.Min(random.Next(1, 40), series[s].Count - offsets[s]);
                result.AddRange(series[s].GetRange(offsets[s], take));
                offsets[s] += take;
            }
        return result;
    }

    /// <summary>Flushes until nothing is buffered: a crashed write fails the flush and is retried by the next.</summary>
    private static async Task FlushUntilStoredAsync(MetricIngestor ingestor)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            try
            {
                await ingestor.FlushAsync(Token);
                if (ingestor.BufferedPoints == 0) return;
            }
            catch (MetricStoreUnavailableException) when (DateTime.UtcNow < deadline) // the crash, or its retry's backoff
            {
            }
            Assert.True(DateTime.UtcNow < deadline, $"{ingestor.BufferedPoints} points still buffered; last error: {ingestor.LastError}");
        }
    }

    private async Task<List<Entities.MetricPoint>> RowsAsync(Guid[] runs)
    {
        await using var db = await Contexts.CreateDbContextAsync(Token);
        return await db.MetricPoints.AsNoTracking().Where(m => runs.Contains(m.RunId)).ToListAsync(Token);
    }
}

public sealed class SqliteIngestIdempotencyTests() : IngestIdempotencyTests(new SqliteTarget());

[Collection(PostgresCollection.Name)]
public sealed class PostgresIngestIdempotencyTests(PostgresServer server) : IngestIdempotencyTests(new PostgresTarget(server))
{
    /// <summary>
    /// Between COPY and merge the writer's session is idle in its transaction: end that server process (as a crash of
    /// the writer or of its connection would) and wait until it is gone, so the merge that follows meets a dead session.
    /// </summary>
    private protected override async Task CrashAsync(IngestStage stage)
    {
        if (stage != IngestStage.Copied)
        {
            await base.CrashAsync(stage);
            return;
        }
        var database = new NpgsqlConnectionStringBuilder(Database.ConnectionString).Database;
        await using var admin = new NpgsqlConnection(server.AdminConnectionString);
        await admin.OpenAsync(Token);
        const string Writers = "FROM pg_stat_activity WHERE datname = @db AND state LIKE 'idle in transaction%'";
        await using (var kill = new NpgsqlCommand($"SELECT count(pg_terminate_backend(pid)) {Writers}", admin))
        {
            kill.Parameters.AddWithValue("db", database!);
            if (await kill.ExecuteScalarAsync(Token) is not 1L and var killed)
                HookFailures.Enqueue($"expected one writer session idle in its transaction at {stage}, ended {killed}");
        }
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            await using var left = new NpgsqlCommand($"SELECT count(*) {Writers}", admin);
            left.Parameters.AddWithValue("db", database!);
            if ((long)(await left.ExecuteScalarAsync(Token))! == 0) return;
            if (DateTime.UtcNow > deadline)
            {
                HookFailures.Enqueue("the writer's session outlived pg_terminate_backend for 30 s");
                return;
            }
            await Task.Delay(10, Token);
        }
    }
}
