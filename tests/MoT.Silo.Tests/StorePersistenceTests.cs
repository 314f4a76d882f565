using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MoT.Contracts.Runs;
using MoT.Data;
using MoT.Grains.Runs;
using MoT.Silo.Persistence;
using Orleans;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Storage;

namespace MoT.Silo.Tests;

/// <summary>The silo's database-backed pieces against a real SQLite store, migrated from empty.</summary>
public sealed class StorePersistenceTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mot-store-").FullName;
    private ServiceProvider _services = null!;

    public async ValueTask InitializeAsync()
    {
        _services = new ServiceCollection().AddSerializer().AddMotData(MotDataOptions.DefaultSqlite(_directory)).BuildServiceProvider();
        await MotDatabase.MigrateAsync(_services, TestContext.Current.CancellationToken);
    }

    private EfGrainStorage NewStorage() =>
        new(_services.GetRequiredService<IDbContextFactory<MotDbContext>>(), _services.GetRequiredService<Serializer>());

    [Fact]
    public async Task Grain_state_written_by_one_storage_is_read_back_by_a_fresh_one_as_after_a_restart()
    {
        var grain = GrainId.Create("run", Guid.NewGuid().ToString("N"));
        var written = new GrainState<RunState> { State = new RunState { Status = RunStatus.Running, BestEvalLoss = 2.5, ProgressReports = 7 } };
        await NewStorage().WriteStateAsync("run", grain, written);

        var read = new GrainState<RunState> { State = new RunState() };
        await NewStorage().ReadStateAsync("run", grain, read);

        Assert.True(read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        Assert.Equal((RunStatus.Running, 2.5, 7), (read.State.Status, read.State.BestEvalLoss, read.State.ProgressReports));
    }

    [Fact]
    public async Task A_write_with_a_stale_etag_is_refused_and_does_not_overwrite()
    {
        var grain = GrainId.Create("run", Guid.NewGuid().ToString("N"));
        var first = new GrainState<RunState> { State = new RunState { ProgressReports = 1 } };
        await NewStorage().WriteStateAsync("run", grain, first);
        var stale = new GrainState<RunState> { State = new RunState { ProgressReports = 99 }, ETag = first.ETag };
        first.State.ProgressReports = 2;
        await NewStorage().WriteStateAsync("run", grain, first);

        await Assert.ThrowsAsync<InconsistentStateException>(() => NewStorage().WriteStateAsync("run", grain, stale));

        var read = new GrainState<RunState> { State = new RunState() };
        await NewStorage().ReadStateAsync("run", grain, read);
        Assert.Equal(2, read.State.ProgressReports);
    }

    [Fact]
    public async Task Run_records_land_in_the_history_with_family_budget_owner_and_checkpoint()
    {
        var sink = new EfRunRecordSink(_services.GetRequiredService<IDbContextFactory<MotDbContext>>());
        var runId = Guid.NewGuid();
        var spec = new RunSpec("""{ "model": { "preset": "MoT-Tiny/8E" }, "training": { "steps": 100, "batch_size": 16 }, "data": { "eval_set": "demo-eval", "tokenizer": "bytes" } }""", "alice");
        var created = DateTimeOffset.UtcNow;
        await sink.RecordAsync(new RunRecord(runId, spec, RunStatus.Queued, 0, null, null, created, null, null, null), TestContext.Current.CancellationToken);
        await sink.RecordAsync(new RunRecord(runId, spec, RunStatus.Completed, 1, 2.25, new CheckpointInfo(100, "/ckpt/step-100.ckpt", 10, "ab"),
            created, created, DateTimeOffset.UtcNow, "done"), TestContext.Current.CancellationToken);

        var page = await _services.GetRequiredService<MoT.Data.Queries.RunQueryService>()
            .QueryAsync("owner = \"alice\" and status = Completed", cancellationToken: TestContext.Current.CancellationToken);
        var run = Assert.Single(page.Items);
        Assert.Equal(("MoT", 2.25), (run.ModelFamily, run.BestEvalLoss));
        Assert.True(run.ComputeBudgetFlops > 0);
        await using var db = await _services.GetRequiredService<IDbContextFactory<MotDbContext>>().CreateDbContextAsync(TestContext.Current.CancellationToken);
        Assert.Equal(100, (await db.Checkpoints.SingleAsync(c => c.RunId == runId, TestContext.Current.CancellationToken)).Step);
        // The store's board is the one the leaderboard grains key the run under: same family, eval set and tokenizer.
        var facts = MoT.Grains.Runs.RunFacts.FromConfig(spec.ConfigJson);
        var board = Assert.Single(await _services.GetRequiredService<MoT.Data.Queries.LeaderboardQuery>()
            .GetAsync(facts.EvalSetId, facts.TokenizerId, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(("demo-eval", "bytes"), (board.EvalSetId, board.TokenizerId));
        Assert.Equal(runId, Assert.Single(board.Entries).RunId);
        Assert.Equal(facts.Family, run.ModelFamily);
    }

    [Fact]
    public async Task Reminders_survive_a_restart_and_are_found_by_grain_by_name_and_by_ring_range()
    {
        var cluster = Microsoft.Extensions.Options.Options.Create(new Orleans.Configuration.ClusterOptions { ServiceId = "mot-platform" });
        var contexts = _services.GetRequiredService<IDbContextFactory<MotDbContext>>();
        var runs = Enumerable.Range(0, 5).Select(_ => GrainId.Create("run", Guid.NewGuid().ToString("N"))).ToList();
        var start = new DateTime(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc);
        var writer = new EfReminderTable(contexts, cluster);
        var etags = new Dictionary<GrainId, string>();
        foreach (var run in runs)
        {
            etags[run] = (await writer.UpsertRow(new ReminderEntry { GrainId = run, ReminderName = "attempt-check", StartAt = start, Period = TimeSpan.FromMinutes(1) }))!;
        }

        var reader = new EfReminderTable(contexts, cluster); // a restarted control silo
        var one = await reader.ReadRow(runs[0], "attempt-check");
        Assert.Equal((start, TimeSpan.FromMinutes(1), etags[runs[0]]), (one!.StartAt, one.Period, one.ETag));
        Assert.Single((await reader.ReadRows(runs[1])).Reminders);
        // Orleans splits the hash ring (begin, end] across silos, wrapping at the top: the two halves hold every reminder once.
        var lower = await reader.ReadRows(uint.MaxValue / 2, 0);
        var upper = await reader.ReadRows(0, uint.MaxValue / 2);
        Assert.Equal(runs.Count, lower.Reminders.Count + upper.Reminders.Count);
        Assert.All(upper.Reminders, r => Assert.InRange(r.GrainId.GetUniformHashCode(), 1u, uint.MaxValue / 2));

        Assert.False(await reader.RemoveRow(runs[2], "attempt-check", "stale-etag"));
        Assert.True(await reader.RemoveRow(runs[2], "attempt-check", etags[runs[2]]));
        Assert.Null(await writer.ReadRow(runs[2], "attempt-check"));
        Assert.Equal(runs.Count - 1, (await writer.ReadRows(0, 0)).Reminders.Count);
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
