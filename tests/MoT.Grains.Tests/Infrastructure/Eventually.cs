namespace MoT.Grains.Tests.Infrastructure;

/// <summary>Waits (in real time) for a condition that the cluster reaches asynchronously.</summary>
public static class Eventually
{
    public static async Task<T> WaitAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        T last;
        while (true)
        {
            last = await probe();
            if (done(last))
            {
                return last;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}; last value: {last}");
            }

            await Task.Delay(25, TestContext.Current.CancellationToken);
        }
    }
}
