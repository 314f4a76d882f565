using MoT.Contracts.Scheduling;
using MoT.Grains.Scheduling;

namespace MoT.Grains.Tests.Scheduling;

/// <summary>
/// Properties of the scheduling policy over many random cases (seeded, so a failure names its seed): the batched pick the
/// scheduler uses agrees with the one-at-a-time reference, and with equal priorities owners share the slots equally while
/// they all have work queued, whatever their arrival order and however much each queued.
/// </summary>
public sealed class FairShareTests
{
    private static readonly Dictionary<Guid, int> NoLimits = [];

    [Fact]
    public void Picking_many_at_once_equals_picking_one_at_a_time()
    {
        for (var seed = 0; seed < 200; seed++)
        {
            var random = new Random(seed);
            var owners = Enumerable.Range(0, random.Next(1, 6)).Select(i => $"owner{i}").ToArray();
            var sweeps = Enumerable.Range(0, random.Next(0, 3)).Select(_ => Guid.NewGuid()).ToArray();
            var limits = sweeps.ToDictionary(s => s, _ => random.Next(1, 4));
            Guid? AnySweep() => sweeps.Length > 0 && random.Next(3) == 0 ? sweeps[random.Next(sweeps.Length)] : null;
            var sequence = 0L;
            var queue = Enumerable.Range(0, random.Next(0, 60))
                .Select(_ => new QueueEntry(Guid.NewGuid(), owners[random.Next(owners.Length)], random.Next(3), AnySweep(), sequence++, DateTimeOffset.UnixEpoch))
                .OrderBy(_ => random.Next()).ToList();
            var running = Enumerable.Range(0, random.Next(0, 8))
                .Select(i => new RunningEntry(Guid.NewGuid(), $"s/{i}", owners[random.Next(owners.Length)], AnySweep())).ToList();
            var served = owners.Where(_ => random.Next(2) == 0).ToDictionary(o => o, _ => (long)random.Next(0, 20));
            var dispatches = 20L;
            var count = random.Next(0, 70);

            var batched = SchedulingPolicy.PickMany(queue, running, limits, served, count, dispatches);

            // Reference: PickNext again after each pick, with the pick counted as running and its owner just served.
            var reference = new List<QueueEntry>();
            var remaining = queue.ToList();
            var virtualRunning = running.ToList();
            var virtualServed = new Dictionary<string, long>(served);
            var clock = dispatches;
            while (reference.Count < count && SchedulingPolicy.PickNext(remaining, virtualRunning, limits, virtualServed) is { } next)
            {
                reference.Add(next);
                remaining.Remove(next);
                virtualRunning.Add(new RunningEntry(next.RunId, "virtual", next.Owner, next.SweepId));
                virtualServed[next.Owner] = ++clock;
            }

            Assert.True(reference.SequenceEqual(batched), $"seed {seed}: batched pick differs from the one-at-a-time reference");
        }
    }

    [Fact]
    public void With_equal_priorities_owners_with_work_queued_get_equal_shares_of_the_dispatches()
    {
        for (var seed = 0; seed < 40; seed++)
        {
            var random = new Random(seed);
            var owners = Enumerable.Range(0, random.Next(2, 7)).Select(i => $"owner{i}").ToArray();
            var queued = owners.ToDictionary(o => o, _ => random.Next(150, 400));
            var shares = Simulate(random, owners, queued, slots: random.Next(4, 65));
            foreach (var owner in owners)
            {
                Assert.True(Math.Abs(shares[owner] - 1.0 / owners.Length) <= 0.05,
                    $"seed {seed}: {owner} got {shares[owner]:P1} of the dispatches while every owner had work queued, not {1.0 / owners.Length:P1} " +
                    $"(queued {string.Join(", ", queued.Select(q => $"{q.Key}={q.Value}"))})");
            }
        }
    }

    [Fact]
    public void With_equal_work_queued_dispatch_shares_track_queued_shares_whatever_the_arrival_order()
    {
        for (var seed = 0; seed < 40; seed++)
        {
            var random = new Random(1000 + seed);
            var owners = Enumerable.Range(0, 4).Select(i => $"owner{i}").ToArray();
            var queued = owners.ToDictionary(o => o, _ => 250);
            var shares = Simulate(random, owners, queued, slots: 64);
            var total = queued.Values.Sum();
            foreach (var owner in owners)
            {
                Assert.True(Math.Abs(shares[owner] - (double)queued[owner] / total) <= 0.05,
                    $"seed {seed}: {owner} queued {(double)queued[owner] / total:P1} of the work but got {shares[owner]:P1} of the dispatches");
            }
        }
    }

    /// <summary>
    /// Discrete-event run of the policy: each owner's runs arrive as one block (owner after owner, the order FIFO alone
    /// would serve them in), run times are drawn from one distribution for everybody, and every free slot takes the next
    /// pick. Returns each owner's share of the dispatches made while every owner still had runs queued.
    /// </summary>
    private static Dictionary<string, double> Simulate(Random random, string[] owners, Dictionary<string, int> queued, int slots)
    {
        var sequence = 0L;
        var queue = new List<QueueEntry>();
        foreach (var owner in owners)
            for (var i = 0; i < queued[owner]; i++)
                queue.Add(new QueueEntry(Guid.NewGuid(), owner, 0, null, sequence++, DateTimeOffset.UnixEpoch));

        var waiting = owners.ToDictionary(o => o, o => queued[o]);
        var running = new List<(RunningEntry Run, double EndsAt)>();
        var served = new Dictionary<string, long>();
        var dispatches = 0L;
        var whileAllWaiting = owners.ToDictionary(o => o, _ => 0);
        var now = 0.0;
        while (queue.Count > 0)
        {
            while (running.Count < slots && queue.Count > 0)
            {
                var next = SchedulingPolicy.PickMany(queue, running.Select(r => r.Run).ToList(), NoLimits, served, 1, dispatches).Single();
                if (owners.All(o => waiting[o] > 0)) whileAllWaiting[next.Owner]++;
                queue.Remove(next);
                waiting[next.Owner]--;
                served[next.Owner] = ++dispatches;
                running.Add((new RunningEntry(next.RunId, "slot", next.Owner, null), now + 5 + random.NextDouble() * 30));
            }

            var first = running.MinBy(r => r.EndsAt);
            now = first.EndsAt;
            running.Remove(first);
        }

        var total = Math.Max(1, whileAllWaiting.Values.Sum());
        return owners.ToDictionary(o => o, o => (double)whileAllWaiting[o] / total);
    }
}
