using MoT.Contracts.Scheduling;

namespace MoT.Grains.Scheduling;

/// <summary>A run the scheduler has handed to a slot.</summary>
[GenerateSerializer]
public sealed record RunningEntry(
    [property: Id(0)] Guid RunId,
    [property: Id(1)] string SlotKey,
    [property: Id(2)] string Owner,
    [property: Id(3)] Guid? SweepId);

/// <summary>
/// Which queued run goes next: highest priority first; within a priority the owner with the fewest running runs
/// (fair share); then first come, first served. Runs of a sweep at its concurrency limit wait.
/// </summary>
public static class SchedulingPolicy
{
    public static QueueEntry? PickNext(
        IEnumerable<QueueEntry> queue, IReadOnlyCollection<RunningEntry> running, IReadOnlyDictionary<Guid, int> sweepLimits)
    {
        var byOwner = running.GroupBy(r => r.Owner).ToDictionary(g => g.Key, g => g.Count());
        var bySweep = running.Where(r => r.SweepId is not null).GroupBy(r => r.SweepId!.Value).ToDictionary(g => g.Key, g => g.Count());
        return queue
            .Where(e => e.SweepId is not { } sweep || !sweepLimits.TryGetValue(sweep, out var limit) || bySweep.GetValueOrDefault(sweep) < limit)
            .OrderByDescending(e => e.Priority)
            .ThenBy(e => byOwner.GetValueOrDefault(e.Owner))
            .ThenBy(e => e.Sequence)
            .FirstOrDefault();
    }

    /// <summary>The queue in the order it would be dispatched if slots kept freeing up with nothing finishing.</summary>
    public static IReadOnlyList<QueueEntry> DispatchOrder(
        IReadOnlyCollection<QueueEntry> queue, IReadOnlyCollection<RunningEntry> running, IReadOnlyDictionary<Guid, int> sweepLimits)
    {
        var remaining = queue.ToList();
        var virtualRunning = running.ToList();
        var order = new List<QueueEntry>();
        while (PickNext(remaining, virtualRunning, sweepLimits) is { } next)
        {
            order.Add(next);
            remaining.Remove(next);
            virtualRunning.Add(new RunningEntry(next.RunId, string.Empty, next.Owner, next.SweepId));
        }

        // What is left waits on a sweep limit.
        order.AddRange(remaining.OrderByDescending(e => e.Priority).ThenBy(e => e.Sequence));
        return order;
    }
}
