using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace MoT.Dashboard.Accounts;

/// <summary>Limits on password guessing (section <c>Dashboard:SignIn</c>).</summary>
public sealed class SignInThrottleOptions
{
    public const string Section = "Dashboard:SignIn";

    /// <summary>Failed sign-ins of one user name before it is locked.</summary>
    public int MaxFailures { get; set; } = 5;

    /// <summary>Failed sign-ins from one client address (any names) before it is locked; higher, as people share addresses.</summary>
    public int MaxFailuresPerAddress { get; set; } = 50;

    /// <summary>The first lockout; each further failure while counting doubles it, up to <see cref="MaxLockout"/>.</summary>
    public TimeSpan Lockout { get; set; } = TimeSpan.FromMinutes(1);

    public TimeSpan MaxLockout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Failures older than this are forgotten.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(15);
}

/// <summary>
/// Counts failed sign-ins per user name and per client address and locks either after too many: while locked, even
/// the right password is refused (otherwise a guesser learns when it hit). In memory: a restart forgets, which only
/// ever helps a legitimate user.
/// </summary>
public sealed class SignInThrottle(IOptions<SignInThrottleOptions> options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, Counter> _counters = new(StringComparer.OrdinalIgnoreCase);
    private const string UserPrefix = "user:", AddressPrefix = "addr:";
    private readonly SignInThrottleOptions _options = options.Value;

    /// <summary>How long the name or address is still locked, or null when a sign-in may be tried.</summary>
    public TimeSpan? LockedFor(string? userName, string? clientAddress)
    {
        var now = clock.GetUtcNow();
        TimeSpan? longest = null;
        foreach (var key in Keys(userName, clientAddress))
        {
            if (_counters.TryGetValue(key, out var counter) && counter.LockedUntil is { } until && until > now)
                longest = longest is { } l && l > until - now ? l : until - now;
        }

        return longest;
    }

    public void RecordFailure(string? userName, string? clientAddress)
    {
        var now = clock.GetUtcNow();
        if (_counters.Count > 100_000) Prune(now); // bounded memory under a spray of made-up names
        foreach (var key in Keys(userName, clientAddress))
        {
            var limit = key.StartsWith(AddressPrefix, StringComparison.Ordinal) ? _options.MaxFailuresPerAddress : _options.MaxFailures;
            _counters.AddOrUpdate(key, _ => Counter.Fresh(now).Fail(now, _options, limit), (_, c) => c.Fail(now, _options, limit));
        }
    }

    public void RecordSuccess(string? userName, string? clientAddress)
    {
        foreach (var key in Keys(userName, clientAddress)) _counters.TryRemove(key, out _);
    }

    private static IEnumerable<string> Keys(string? userName, string? clientAddress)
    {
        if (!string.IsNullOrWhiteSpace(userName)) yield return UserPrefix + userName.Trim();
        if (!string.IsNullOrWhiteSpace(clientAddress)) yield return AddressPrefix + clientAddress;
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, counter) in _counters)
        {
            var lastRelevant = counter.LockedUntil is { } until && until > counter.LastFailure ? until : counter.LastFailure;
            if (lastRelevant < now - _options.Window) _counters.TryRemove(key, out _);
        }
    }

    private sealed record Counter(int Failures, DateTimeOffset LastFailure, DateTimeOffset? LockedUntil, TimeSpan NextLockout)
    {
        public static Counter Fresh(DateTimeOffset now) => new(0, now, null, TimeSpan.Zero);

        public Counter Fail(DateTimeOffset now, SignInThrottleOptions options, int limit)
        {
            var current = now - LastFailure > options.Window ? Fresh(now) : this; // a quiet window forgives, lockout growth too
            var failures = current.Failures + 1;
            if (failures < limit) return current with { Failures = failures, LastFailure = now };
            var lockout = current.NextLockout == TimeSpan.Zero ? options.Lockout : current.NextLockout;
            var next = TimeSpan.FromTicks(Math.Min(lockout.Ticks * 2, options.MaxLockout.Ticks));
            return new Counter(failures, now, now + lockout, next);
        }
    }
}
