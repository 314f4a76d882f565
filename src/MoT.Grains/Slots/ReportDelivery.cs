using Microsoft.Extensions.Logging;

namespace MoT.Grains.Slots;

/// <summary>
/// Sends one report to the control side until it is taken: a control silo that is down or restarting is an outage to
/// wait out, never a reason to stop training or to drop an outcome. Retries with doubling backoff
/// (<see cref="GpuSlotOptions.ReportRetryInitialDelay"/> up to <see cref="GpuSlotOptions.ReportRetryMaxDelay"/>) until
/// <paramref name="abandon"/> fires (the silo itself is going away).
/// </summary>
internal static class ReportDelivery
{
    public static async Task<T> UntilTakenAsync<T>(
        Func<Task<T>> send, GpuSlotOptions options, TimeProvider clock, ILogger logger, string what, CancellationToken abandon)
    {
        var delay = options.ReportRetryInitialDelay;
        long? failingSince = null;
        while (true)
        {
            abandon.ThrowIfCancellationRequested();
            try
            {
                var answer = await send();
                if (failingSince is { } since)
                {
                    logger.LogInformation("Control side took {What} after {Seconds:F1}s of retries", what, clock.GetElapsedTime(since).TotalSeconds);
                }

                return answer;
            }
            catch (Exception error) when (!abandon.IsCancellationRequested)
            {
                if (failingSince is null)
                {
                    failingSince = clock.GetTimestamp();
                    // One line, no stack trace: an unreachable control silo is an expected condition with a known remedy (waiting).
                    logger.LogWarning("Control side unreachable for {What} ({Message}); training goes on, retrying", what, error.Message);
                }
            }

            await Task.Delay(delay, clock, abandon);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.ReportRetryMaxDelay.Ticks));
        }
    }

    public static Task UntilTakenAsync(
        Func<Task> send, GpuSlotOptions options, TimeProvider clock, ILogger logger, string what, CancellationToken abandon) =>
        UntilTakenAsync(async () => { await send(); return true; }, options, clock, logger, what, abandon);
}
