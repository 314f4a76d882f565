using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MoT.Contracts.Runs;
using MoT.Contracts.Sweeps;
using MoT.Data;
using MoT.Grains.Runs;
using MoT.Grains.Sweeps;
using MoT.Silo.Persistence;
using MoT.Silo.Sweeps;
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
        var facts = MoT.Grains.Runs.RunFacts.FromConfig(spec.ConfigJson, SchemaRunConfigRules.Default);
        var board = Assert.Single(await _services.GetRequiredService<MoT.Data.Queries.LeaderboardQuery>()
            .GetAsync(facts.EvalSetId, facts.TokenizerId, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(("demo-eval", "bytes"), (board.EvalSetId, board.TokenizerId));
        Assert.Equal(runId, Assert.Single(board.Entries).RunId);
        Assert.Equal(facts.Family, run.ModelFamily);
    }

    [Fact]
    public async Task A_sweeps_uncreated_runs_get_rows_at_once_that_their_own_records_then_take_over()
    {
        var cancel = TestContext.Current.CancellationToken;
        var contexts = _services.GetRequiredService<IDbContextFactory<MotDbContext>>();
        var sink = new EfRunRecordSink(contexts);
        var sweepId = Guid.NewGuid();
        var submitted = DateTimeOffset.UtcNow;
        var records = Enumerable.Range(0, 300).Select(i => new RunRecord(Guid.NewGuid(),
            new RunSpec($$"""{ "model": { "preset": "MoT-Tiny/8E" }, "training": { "steps": 100, "lr": {{0.0001 * (i + 1)}} } }""", "uma", 3, sweepId),
            RunStatus.Queued, 0, null, null, submitted, null, null, "Queued: waiting for its sweep")).ToList();

        await sink.RecordUncreatedAsync(records, cancel);
        await sink.RecordUncreatedAsync(records.Take(10).ToList(), cancel); // a repeat (a retried submission) adds nothing

        await using (var db = await contexts.CreateDbContextAsync(cancel))
        {
            var rows = await db.Runs.AsNoTracking().Where(r => r.SweepId == sweepId).ToListAsync(cancel);
            Assert.Equal(records.Select(r => r.RunId).Order(), rows.Select(r => r.Id).Order());
            Assert.All(rows, r => Assert.Equal((RunStatus.Queued, "uma", 3, "MoT"), (r.Status, r.OwnerId, r.Priority, r.ModelFamily)));
            var byId = records.ToDictionary(r => r.RunId);
            Assert.All(rows, r => Assert.Equal(byId[r.Id].Spec.ConfigJson, r.ConfigJson));
            Assert.True(await db.Sweeps.AnyAsync(s => s.Id == sweepId, cancel), "the sweep's placeholder row");
        }

        // The sweep is cancelled before creating the last 100: their rows say so; the run of the first is created and runs.
        var finished = DateTimeOffset.UtcNow;
        await sink.RecordUncreatedAsync(records.Skip(200).Select(r => r with { Status = RunStatus.Cancelled, FinishedAt = finished }).ToList(), cancel);
        var first = records[0];
        await sink.RecordAsync(first with { Status = RunStatus.Running, Attempts = 1, StartedAt = finished }, cancel);

        await using (var db = await contexts.CreateDbContextAsync(cancel))
        {
            var statuses = await db.Runs.AsNoTracking().Where(r => r.SweepId == sweepId).GroupBy(r => r.Status)
                .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, cancel);
            Assert.Equal(new Dictionary<RunStatus, int> { [RunStatus.Queued] = 199, [RunStatus.Running] = 1, [RunStatus.Cancelled] = 100 }, statuses);
            Assert.Equal(1, (await db.Runs.AsNoTracking().SingleAsync(r => r.Id == first.RunId, cancel)).Attempt);
        }
    }

    [Fact]
    public async Task A_sweeps_row_holds_its_name_spec_seed_status_and_best_run_and_replaces_the_placeholder_a_run_wrote_first()
    {
        var cancel = TestContext.Current.CancellationToken;
        var contexts = _services.GetRequiredService<IDbContextFactory<MotDbContext>>();
        var (sweepId, runId) = (Guid.NewGuid(), Guid.NewGuid());
        // A trial's run record can land before its sweep's (a failed write retried later): it leaves a placeholder row.
        await new EfRunRecordSink(contexts).RecordAsync(new RunRecord(runId, new RunSpec("{}", "sam", SweepId: sweepId), RunStatus.Queued,
            0, null, null, DateTimeOffset.UtcNow, null, null, null), cancel);
        var spec = new SweepSpec("sam", """{ "model": { "family": "MoT" }, "training": { "steps": 40 } }""",
            [new SearchParameter("training.lr", ParameterKind.LogUniform, Low: 1e-4, High: 1e-2)], SearchMethod.Random,
            MaxConcurrentRuns: 2, MaxRuns: 6, Seed: 1234, Name: "lr search");
        var sink = new EfSweepRecordSink(contexts);
        var submitted = DateTimeOffset.UtcNow;
        await sink.RecordAsync(new SweepRecord(sweepId, spec, SweepStatus.Running, null, submitted, null), cancel);
        await sink.RecordAsync(new SweepRecord(sweepId, spec, SweepStatus.CompletedWithFailures, runId, submitted, submitted.AddMinutes(5)), cancel);

        await using var db = await contexts.CreateDbContextAsync(cancel);
        var row = await db.Sweeps.AsNoTracking().SingleAsync(s => s.Id == sweepId, cancel);
        Assert.Equal(("lr search", "sam", SweepStatus.CompletedWithFailures, (Guid?)runId), (row.Name, row.OwnerId, row.Status, row.BestRunId));
        Assert.NotNull(row.FinishedAt);
        var stored = System.Text.Json.Nodes.JsonNode.Parse(row.SpecJson)!;
        Assert.Equal((1234, "Random", 6, 40), ((int)stored["seed"]!, (string)stored["method"]!, (int)stored["maxRuns"]!,
            (int)stored["baseConfig"]!["training"]!["steps"]!));
        Assert.Equal(("training.lr", "LogUniform", 1e-4), ((string)stored["searchSpace"]![0]!["path"]!,
            (string)stored["searchSpace"]![0]!["kind"]!, (double)stored["searchSpace"]![0]!["low"]!));
    }

    [Fact]
    public async Task A_warm_started_runs_row_counts_the_tokens_and_flops_its_ancestors_spent_over_two_generations()
    {
        var sink = new EfRunRecordSink(_services.GetRequiredService<IDbContextFactory<MotDbContext>>());
        var cancel = TestContext.Current.CancellationToken;
        static string Config(int steps, double lr) =>
            $$"""{ "model": { "preset": "MoT-Tiny/8E", "seq_len": 64 }, "training": { "steps": {{steps}}, "batch_size": 16, "lr": {{lr}} }, "data": { "eval_set": "warm-eval", "tokenizer": "bytes" } }""";
        const long tokensPerStep = 16 * 64;
        var (rootId, forkId, resumeId) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var root = new RunSpec(Config(100, 1e-3), "wanda");
        // A fork with another lr from the root's step-60 checkpoint restarts its count; its resume continues it.
        var fork = new RunSpec(Config(50, 5e-4), "wanda", ParentRunId: rootId, Relation: MoT.Contracts.Runs.RunRelation.Forked,
            SourceCheckpoint: "/ckpt/root-60", WarmStart: new WarmStart(60, 0, 60 * tokensPerStep, 60));
        var resume = new RunSpec(Config(70, 5e-4), "wanda", ParentRunId: forkId, Relation: MoT.Contracts.Runs.RunRelation.Resumed,
            SourceCheckpoint: "/ckpt/fork-50", WarmStart: new WarmStart(50, 50, 110 * tokensPerStep, 60));
        var now = DateTimeOffset.UtcNow;
        foreach (var (id, spec) in new[] { (rootId, root), (forkId, fork), (resumeId, resume) })
        {
            await sink.RecordAsync(new RunRecord(id, spec, RunStatus.Completed, 1, 2.0, null, now, now, now, "done"), cancel);
        }

        await using var db = await _services.GetRequiredService<IDbContextFactory<MotDbContext>>().CreateDbContextAsync(cancel);
        var rows = await db.Runs.AsNoTracking().Where(r => r.OwnerId == "wanda").ToDictionaryAsync(r => r.Id, cancel);
        var (r0, r1, r2) = (rows[rootId], rows[forkId], rows[resumeId]);
        Assert.Equal((100 * tokensPerStep, 0L, (long?)null), (r0.TrainingTokens, r0.InheritedTokens, r0.WarmStartStep));
        Assert.Equal((50 * tokensPerStep, 60 * tokensPerStep, (long?)60), (r1.TrainingTokens, r1.InheritedTokens, r1.WarmStartStep));
        Assert.Equal((20 * tokensPerStep, 110 * tokensPerStep), (r2.TrainingTokens, r2.InheritedTokens));
        // Same model all along, so FLOPs follow tokens: the fork inherits 60 of the root's 100 steps, its resume those
        // plus all 50 of the fork's.
        Assert.Equal(r0.ComputeBudgetFlops * 0.6, r1.InheritedFlops, r0.ComputeBudgetFlops * 1e-12);
        Assert.Equal(r0.ComputeBudgetFlops * 0.6 + r1.ComputeBudgetFlops, r2.InheritedFlops, r0.ComputeBudgetFlops * 1e-12);
        Assert.Equal(r0.ComputeBudgetFlops * 0.2, r2.ComputeBudgetFlops, r0.ComputeBudgetFlops * 1e-12);

        var board = Assert.Single(await _services.GetRequiredService<MoT.Data.Queries.LeaderboardQuery>().GetAsync("warm-eval", "bytes", cancellationToken: cancel));
        Assert.Equal(rootId, Assert.Single(board.Entries, e => !e.WarmStarted).RunId);
        Assert.All(board.Entries.Where(e => e.WarmStarted), e => Assert.NotEqual(rootId, e.RunId));
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
