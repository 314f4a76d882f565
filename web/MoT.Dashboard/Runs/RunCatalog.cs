using System.Collections.Concurrent;

namespace MoT.Dashboard.Runs;

/// <summary>
/// Run and sweep ids this dashboard process has seen (launched, derived, or found in a sweep). The grains have no
/// "list all runs" call, so <see cref="GrainRunHistory"/> combines this with the scheduler's queue and dispatch log.
/// </summary>
public sealed class RunCatalog
{
    private readonly ConcurrentDictionary<Guid, byte> _runs = new();
    private readonly ConcurrentDictionary<Guid, byte> _sweeps = new();

    public void AddRun(Guid runId) => _runs.TryAdd(runId, 0);

    public void AddSweep(Guid sweepId) => _sweeps.TryAdd(sweepId, 0);

    public IReadOnlyCollection<Guid> Runs => [.. _runs.Keys];

    public IReadOnlyCollection<Guid> Sweeps => [.. _sweeps.Keys];
}
