using Orleans.Runtime;

namespace MoT.Grains.Tests.Infrastructure;

/// <summary>Waits (in real time) for a condition that the cluster reaches asynchronously.</summary>
public static class Eventually
{
    /// <summary>
    /// Probes until <paramref name="done"/> holds. Right after a silo dies, a call can fail with
    /// <see cref="SiloUnavailableException"/>, or be rejected with <see cref="OrleansMessageRejectionException"/> when the
    /// client cannot connect to it, until membership declares the silo dead (the grain directory still routes to it):
    /// that is the cluster converging, not the answer, so such probes are retried until the deadline.
    /// </summary>
    public static async Task<T> WaitAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what, TimeSpan? timeout = null, Func<T, string>? describe = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        var last = default(T);
        Exception? lastError = null;
        while (true)
        {
            try
            {
                last = await probe();
                lastError = null;
                if (done(last))
                {
                    return last;
                }
            }
            catch (Exception error) when (error is SiloUnavailableException or OrleansMessageRejectionException)
            {
                lastError = error;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}; last value: {(last is not null && describe is not null ? describe(last) : last)}{(lastError is null ? "" : $"; last error: {lastError.Message}")}");
            }

            await Task.Delay(25, TestContext.Current.CancellationToken);
        }
    }
}
