using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MoT.Dashboard.Accounts;

namespace MoT.Dashboard.Tests;

public sealed class SignInThrottleTests
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.Parse("2026-12-01T00:00:00Z"));

    private SignInThrottle Throttle(int maxFailures = 5, int perAddress = 50) => new(Options.Create(new SignInThrottleOptions
    {
        MaxFailures = maxFailures, MaxFailuresPerAddress = perAddress, Lockout = TimeSpan.FromMinutes(1),
        MaxLockout = TimeSpan.FromMinutes(4), Window = TimeSpan.FromMinutes(15),
    }), _clock);

    [Fact]
    public void A_user_name_is_locked_after_the_fifth_failure_and_the_lockout_doubles_up_to_the_cap()
    {
        var throttle = Throttle();
        for (var i = 0; i < 4; i++) throttle.RecordFailure("ana", "10.0.0.1");
        Assert.Null(throttle.LockedFor("ana", "10.0.0.2"));

        throttle.RecordFailure("ana", "10.0.0.1");
        Assert.Equal(TimeSpan.FromMinutes(1), throttle.LockedFor("ana", "10.0.0.2")); // the name, from any address

        var expected = new[] { 2, 4, 4 };
        foreach (var minutes in expected)
        {
            _clock.Advance(throttle.LockedFor("ana", null)!.Value);
            Assert.Null(throttle.LockedFor("ana", null));
            throttle.RecordFailure("ana", null); // one more wrong guess after the lockout locks again, longer
            Assert.Equal(TimeSpan.FromMinutes(minutes), throttle.LockedFor("ana", null));
        }
    }

    [Fact]
    public void Success_clears_the_count_and_a_quiet_window_forgives()
    {
        var throttle = Throttle();
        for (var i = 0; i < 4; i++) throttle.RecordFailure("ben", null);
        throttle.RecordSuccess("ben", null);
        for (var i = 0; i < 4; i++) throttle.RecordFailure("ben", null);
        Assert.Null(throttle.LockedFor("ben", null));

        _clock.Advance(TimeSpan.FromMinutes(16));
        throttle.RecordFailure("ben", null);
        Assert.Null(throttle.LockedFor("ben", null)); // 1 of 5 again, not 5 of 5
    }

    [Fact]
    public void An_address_spraying_many_names_is_locked_at_its_own_higher_limit()
    {
        var throttle = Throttle(perAddress: 10);
        for (var i = 0; i < 9; i++) throttle.RecordFailure($"name{i}", "10.0.0.9");
        Assert.Null(throttle.LockedFor("someone-else", "10.0.0.9"));

        throttle.RecordFailure("name9", "10.0.0.9");
        Assert.NotNull(throttle.LockedFor("someone-else", "10.0.0.9"));
        Assert.Null(throttle.LockedFor("someone-else", "10.0.0.10"));
    }
}
