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

    /// <summary>
    /// The next <paramref name="count"/> picks, exactly as <see cref="PickNext"/> called again after each pick would make
    /// them (each picked run counted as running, its owner served by dispatch number <paramref name="dispatches"/> + 1, + 2, ...),
    /// but with one pass over the queue per pick and no sort or copy of it: the order (priority, owner's running runs,
    /// owner's last dispatch, arrival) is total, so the best entry is found by one scan. A release frees one slot, so the
    /// scheduler's usual call is one pass over the queue, without allocating in proportion to it.
    /// </summary>
    /// <param name="dispatches">Dispatches so far (the fair-share clock); every value in <paramref name="lastServed"/> is at most this.</param>
    public static IReadOnlyList<QueueEntry> PickMany(
        IEnumerable<QueueEntry> queue,
        IReadOnlyCollection<RunningEntry> running,
        IReadOnlyDictionary<Guid, int> sweepLimits,
        IReadOnlyDictionary<string, long>? lastServed,
        int count,
        long dispatches)
    {
        var picks = new List<QueueEntry>(Math.Clamp(count, 0, 64));
        if (count <= 0) return picks;

        var byOwner = new Dictionary<string, int>(StringComparer.Ordinal);
        var bySweep = new Dictionary<Guid, int>();
        foreach (var r in running)
        {
            byOwner[r.Owner] = byOwner.GetValueOrDefault(r.Owner) + 1;
            if (r.SweepId is { } sweep) bySweep[sweep] = bySweep.GetValueOrDefault(sweep) + 1;
        }

        var served = new Dictionary<string, long>(lastServed ?? NeverServed, StringComparer.Ordinal);
        var entries = queue as IReadOnlyList<QueueEntry> ?? queue.ToList();
        var taken = count < entries.Count ? new HashSet<int>() : null; // few picks from a long queue: mark them sparsely
        var takenAll = taken is null ? new bool[entries.Count] : null;
        while (picks.Count < count)
        {
            var best = -1;
            for (var i = 0; i < entries.Count; i++)
            {
                if (taken?.Contains(i) ?? takenAll![i]) continue;
                var e = entries[i];
                if (e.SweepId is { } sweep && sweepLimits.TryGetValue(sweep, out var limit) && bySweep.GetValueOrDefault(sweep) >= limit) continue;
                if (best < 0 || Before(e, entries[best], byOwner, served)) best = i;
            }

            if (best < 0) break;
            if (taken is not null) taken.Add(best); else takenAll![best] = true;
            var pick = entries[best];
            picks.Add(pick);
            byOwner[pick.Owner] = byOwner.GetValueOrDefault(pick.Owner) + 1;
            if (pick.SweepId is { } s) bySweep[s] = bySweep.GetValueOrDefault(s) + 1;
            served[pick.Owner] = ++dispatches;
        }

        return picks;
    }

    /// <summary>Within one priority: fewer running runs first, then least recently served, then earlier arrival.</summary>
    private static bool Before(QueueEntry a, QueueEntry b, Dictionary<string, int> byOwner, Dictionary<string, long> served)
    {
        if (a.Priority != b.Priority) return a.Priority > b.Priority;
        var runningA = byOwner.GetValueOrDefault(a.Owner);
        var runningB = byOwner.GetValueOrDefault(b.Owner);
        if (runningA != runningB) return runningA < runningB;
        var servedA = served.TryGetValue(a.Owner, out var sa) ? sa : -1;
        var servedB = served.TryGetValue(b.Owner, out var sb) ? sb : -1;
        if (servedA != servedB) return servedA < servedB;
        return a.Sequence < b.Sequence;
    }

    /// <summary>The queue in the order it would be dispatched if enough slots freed up at once (nothing finishing meanwhile).</summary>
    public static IReadOnlyList<QueueEntry> DispatchOrder(
        IReadOnlyCollection<QueueEntry> queue,
        IReadOnlyCollection<RunningEntry> running,
        IReadOnlyDictionary<Guid, int> sweepLimits,
        IReadOnlyDictionary<string, long>? lastServed = null)
    {
        var counter = lastServed is null || lastServed.Count == 0 ? 0 : lastServed.Values.Max();
        var order = PickMany(queue, running, sweepLimits, lastServed, queue.Count, counter).ToList();

        // What is left waits on a sweep limit.
        var picked = order.Select(e => e.RunId).ToHashSet();
        order.AddRange(queue.Where(e => !picked.Contains(e.RunId)).OrderByDescending(e => e.Priority).ThenBy(e => e.Sequence));
        return order;
    }
}
