using MoT.Contracts.Scheduling;
using MoT.Grains.Scheduling;

namespace MoT.Grains.Tests.Scheduling;

public sealed class SchedulingPolicyTests
{
    private static long _sequence;

    private static QueueEntry Entry(string owner, int priority = 0, Guid? sweep = null) =>
        new(Guid.NewGuid(), owner, priority, sweep, Interlocked.Increment(ref _sequence), DateTimeOffset.UnixEpoch);

    private static readonly Dictionary<Guid, int> NoLimits = [];

    [Fact]
    public void Higher_priority_goes_first_whatever_the_arrival_order()
    {
        var low = Entry("alice");
        var high = Entry("bob", priority: 5);

        Assert.Equal(high, SchedulingPolicy.PickNext([low, high], [], NoLimits));
    }

    [Fact]
    public void Within_a_priority_runs_go_first_in_first_out()
    {
        var first = Entry("alice");
        var second = Entry("alice");
        var third = Entry("alice");

        Assert.Equal([first, second, third], SchedulingPolicy.DispatchOrder([third, first, second], [], NoLimits));
    }

    [Fact]
    public void Fair_share_lets_an_owner_with_fewer_running_runs_go_before_earlier_arrivals()
    {
        var a2 = Entry("alice");
        var b1 = Entry("bob");
        RunningEntry[] running = [new(Guid.NewGuid(), "s/0", "alice", null)];

        Assert.Equal(b1, SchedulingPolicy.PickNext([a2, b1], running, NoLimits));
    }

    [Fact]
    public void Dispatch_order_interleaves_owners_and_respects_sweep_concurrency()
    {
        var sweep = Guid.NewGuid();
        var a1 = Entry("alice");
        var a2 = Entry("alice");
        var a3 = Entry("alice");
        var b1 = Entry("bob");
        var c1 = Entry("carol", priority: 5);
        var s1 = Entry("dave", sweep: sweep);
        var s2 = Entry("dave", sweep: sweep);

        var order = SchedulingPolicy.DispatchOrder([a1, a2, a3, b1, c1, s1, s2], [], new Dictionary<Guid, int> { [sweep] = 1 });

        Assert.Equal([c1, a1, b1, s1, a2, a3, s2], order);
    }

    [Fact]
    public void A_sweep_at_its_limit_waits_while_others_run()
    {
        var sweep = Guid.NewGuid();
        var s2 = Entry("dave", sweep: sweep);
        RunningEntry[] running = [new(Guid.NewGuid(), "s/0", "dave", sweep)];

        Assert.Null(SchedulingPolicy.PickNext([s2], running, new Dictionary<Guid, int> { [sweep] = 1 }));
        Assert.Equal(s2, SchedulingPolicy.PickNext([s2], running, new Dictionary<Guid, int> { [sweep] = 2 }));
    }

    [Fact]
    public void Among_idle_owners_the_one_served_least_recently_goes_first()
    {
        var a2 = Entry("alice");
        var b1 = Entry("bob");
        var lastServed = new Dictionary<string, long> { ["alice"] = 7, ["bob"] = 3 };

        Assert.Equal(b1, SchedulingPolicy.PickNext([a2, b1], [], NoLimits, lastServed));
        Assert.Equal(a2, SchedulingPolicy.PickNext([a2, b1], [], NoLimits, new Dictionary<string, long> { ["bob"] = 9 }));
    }
}
