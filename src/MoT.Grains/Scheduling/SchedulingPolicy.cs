using MoT.Contracts.Scheduling;

namespace MoT.Grains.Scheduling;

/// <summary>A run the scheduler has handed to a slot.</summary>
/// <param name="Queued">The queue entry it came from, to put it back if the slot cannot start it.</param>
[GenerateSerializer]
public sealed record RunningEntry(
    [property: Id(0)] Guid RunId,
    [property: Id(1)] string SlotKey,
    [property: Id(2)] string Owner,
    [property: Id(3)] Guid? SweepId,
    [property: Id(4)] QueueEntry? Queued = null);

/// <summary>
/// Which queued run goes next: highest priority first; within a priority, fair share between owners (fewest running
/// runs first, then the owner served least recently); then first come, first served. Runs of a sweep at its
/// concurrency limit wait.
/// </summary>
public static class SchedulingPolicy
{
    private static readonly Dictionary<string, long> NeverServed = [];

    /// <param name="lastServed">Per owner, the dispatch number of its most recent dispatch (absent: never served).</param>
    public static QueueEntry? PickNext(
        IEnumerable<QueueEntry> queue,
        IReadOnlyCollection<RunningEntry> running,
        IReadOnlyDictionary<Guid, int> sweepLimits,
        IReadOnlyDictionary<string, long>? lastServed = null)
    {
        lastServed ??= NeverServed;
        var byOwner = running.GroupBy(r => r.Owner).ToDictionary(g => g.Key, g => g.Count());
        var bySweep = running.Where(r => r.SweepId is not null).GroupBy(r => r.SweepId!.Value).ToDictionary(g => g.Key, g => g.Count());
        return queue
            .Where(e => e.SweepId is not { } sweep || !sweepLimits.TryGetValue(sweep, out var limit) || bySweep.GetValueOrDefault(sweep) < limit)
            .OrderByDescending(e => e.Priority)
            .ThenBy(e => byOwner.GetValueOrDefault(e.Owner))
            .ThenBy(e => lastServed.TryGetValue(e.Owner, out var served) ? served : -1)
            .ThenBy(e => e.Sequence)
            .FirstOrDefault();
    }

    /// <summary>The queue in the order it would be dispatched if enough slots freed up at once (nothing finishing meanwhile).</summary>
    public static IReadOnlyList<QueueEntry> DispatchOrder(
        IReadOnlyCollection<QueueEntry> queue,
        IReadOnlyCollection<RunningEntry> running,
        IReadOnlyDictionary<Guid, int> sweepLimits,
        IReadOnlyDictionary<string, long>? lastServed = null)
    {
        var remaining = queue.ToList();
        var virtualRunning = running.ToList();
        var served = new Dictionary<string, long>(lastServed ?? NeverServed);
        var counter = served.Count == 0 ? 0 : served.Values.Max();
        var order = new List<QueueEntry>();
        while (PickNext(remaining, virtualRunning, sweepLimits, served) is { } next)
        {
            served[next.Owner] = ++counter;
            order.Add(next);
            remaining.Remove(next);
            virtualRunning.Add(new RunningEntry(next.RunId, string.Empty, next.Owner, next.SweepId));
        }

        // What is left waits on a sweep limit.
        order.AddRange(remaining.OrderByDescending(e => e.Priority).ThenBy(e => e.Sequence));
        return order;
    }
}
