using Microsoft.EntityFrameworkCore;
using MoT.Contracts.Runs;
using MoT.Contracts.Sweeps;
using MoT.Data;

namespace MoT.Dashboard.Runs;

/// <summary>
/// Reads one run by id, for the run page, the HTTP API and every page that shows a run. A sweep lists its runs' ids at
/// once but creates a large sweep's runs a batch per turn; until a run exists, its sweep answers for it (Queued, with its
/// config), found through the store row the sweep writes for every listed run. So an id the platform handed out is
/// always readable; only an id nobody handed out is not found.
/// </summary>
public sealed class RunReader(IGrainFactory grains, IDbContextFactory<MotDbContext>? store = null)
{
    /// <exception cref="KeyNotFoundException">No run has this id, and no sweep lists it.</exception>
    public async Task<RunSnapshot> GetAsync(Guid runId, CancellationToken cancellationToken = default)
    {
        var run = grains.GetGrain<IRunGrain>(runId);
        try
        {
            return await run.GetSnapshotAsync();
        }
        catch (KeyNotFoundException) when (store is not null)
        {
            // below: the run may be a sweep's trial whose run is not created yet
        }

        if (await SweepOfAsync(runId, cancellationToken) is not { } sweepId) throw NotFound(runId);
        // Null: the sweep created the run since the first read (or never listed it), so the run itself answers.
        return await grains.GetGrain<ISweepGrain>(sweepId).GetUncreatedRunAsync(runId) ?? await run.GetSnapshotAsync();
    }

    private async Task<Guid?> SweepOfAsync(Guid runId, CancellationToken cancellationToken)
    {
        await using var db = await store!.CreateDbContextAsync(cancellationToken);
        return await db.Runs.AsNoTracking().Where(r => r.Id == runId).Select(r => r.SweepId).FirstOrDefaultAsync(cancellationToken);
    }

    private static KeyNotFoundException NotFound(Guid runId) => new($"Run {MoT.Contracts.ShortIds.Of(runId)} does not exist.");
}
