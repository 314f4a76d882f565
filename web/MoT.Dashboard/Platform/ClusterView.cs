using MoT.Contracts;
using MoT.Contracts.Scheduling;
using Orleans.Runtime;

namespace MoT.Dashboard.Platform;

/// <summary>A silo of the cluster as the management grain reports it.</summary>
public sealed record SiloRow(string Address, string Name, string Status);

/// <summary>What the cluster page shows: silos, slots (busy/free, which run) and the queue in dispatch order.</summary>
public sealed record ClusterState(IReadOnlyList<SiloRow> Silos, IReadOnlyList<SlotStatus> Slots, IReadOnlyList<QueueEntry> Queue);

/// <summary>Reads cluster state from the management grain and the scheduler.</summary>
public sealed class ClusterView(IGrainFactory grains)
{
    public async Task<ClusterState> GetAsync()
    {
        var scheduler = await grains.GetGrain<ISchedulerGrain>(WellKnownGrainKeys.Scheduler).GetSnapshotAsync();
        var silos = await grains.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: false);
        return new ClusterState(
            [.. silos.Select(s => new SiloRow(s.SiloAddress.ToString(), s.SiloName, s.Status.ToString()))],
            [.. scheduler.Slots.OrderBy(s => s.Info.SlotKey, StringComparer.Ordinal)],
            scheduler.Queue);
    }
}
