namespace MoT.Grains.Hosting;

/// <summary>Keys of keyed DI services the platform registers.</summary>
public static class ServiceKeys
{
    /// <summary>
    /// The platform's <see cref="TimeProvider"/> (heartbeats, leases, throttling, timestamps). Keyed so that tests can swap
    /// in a FakeTimeProvider without stopping the clock Orleans itself runs on.
    /// </summary>
    public const string Clock = "mot.clock";
}
