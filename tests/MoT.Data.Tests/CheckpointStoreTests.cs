using MoT.Data.Checkpoints;
using MoT.Data.Entities;
using MoT.Data.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace MoT.Data.Tests;

public abstract class CheckpointStoreTests(DatabaseTarget target) : DataTestBase(target)
{
    private CheckpointStore Store => Services.GetRequiredService<CheckpointStore>();
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private async Task<(Guid RunId, Guid[] Checkpoints)> SeedAsync()
    {
        var run = (await AddRunsAsync(NewRun()))[0];
        var other = (await AddRunsAsync(NewRun("bob")))[0];
        await using var db = await Contexts.CreateDbContextAsync(Token);
        var checkpoints = new[] { 50L, 25L, 75L }.Select(step => new Checkpoint
        {
            Id = Guid.NewGuid(), RunId = run.Id, Step = step, Path = $"/runs/{run.Id}/step-{step:D7}.ckpt", Bytes = step * 10,
            Sha256 = new string('a', 64), CreatedAt = Epoch.AddMinutes(step),
        }).ToArray();
        db.Checkpoints.AddRange(checkpoints);
        db.Checkpoints.Add(new Checkpoint { Id = Guid.NewGuid(), RunId = other.Id, Step = 10, Path = "/other.ckpt", Sha256 = new string('b', 64), CreatedAt = Epoch });
        await db.SaveChangesAsync(Token);
        return (run.Id, [.. checkpoints.Select(c => c.Id)]);
    }

    [Fact]
    public async Task A_runs_checkpoints_are_listed_in_step_order_unpinned()
    {
        var (runId, _) = await SeedAsync();

        var listed = await Store.ListAsync(runId, Token);

        Assert.Equal([25L, 50L, 75L], listed.Select(c => c.Step));
        Assert.All(listed, c => Assert.False(c.Pinned));
        Assert.All(listed, c => Assert.Equal(runId, c.RunId));
    }

    [Fact]
    public async Task Pinning_then_unpinning_a_checkpoint_is_stored_and_touches_no_other()
    {
        var (runId, ids) = await SeedAsync();

        var pinned = await Store.SetPinnedAsync(ids[0], true, Token);
        Assert.True(pinned.Pinned);
        var listed = await Store.ListAsync(runId, Token);
        Assert.Equal([false, true, false], listed.Select(c => c.Pinned));

        await Store.SetPinnedAsync(ids[0], true, Token); // again: no-op
        var unpinned = await Store.SetPinnedAsync(ids[0], false, Token);
        Assert.False(unpinned.Pinned);
        Assert.All(await Store.ListAsync(runId, Token), c => Assert.False(c.Pinned));
    }

    [Fact]
    public async Task Pinning_an_unknown_checkpoint_names_it()
    {
        await SeedAsync();
        var missing = Guid.NewGuid();

        var error = await Assert.ThrowsAsync<KeyNotFoundException>(() => Store.SetPinnedAsync(missing, true, Token));

        Assert.Contains(missing.ToString(), error.Message);
    }
}

public sealed class SqliteCheckpointStoreTests() : CheckpointStoreTests(new SqliteTarget());

[Collection(PostgresCollection.Name)]
public sealed class PostgresCheckpointStoreTests(PostgresServer server) : CheckpointStoreTests(new PostgresTarget(server));
