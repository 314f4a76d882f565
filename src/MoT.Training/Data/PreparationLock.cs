namespace MoT.Training.Data;

/// <summary>
/// An exclusive lock on a file, held across threads and processes alike (an open file with no sharing: an advisory
/// lock on Linux, a sharing violation on Windows). Used so that one preparer of shared data works while the others wait.
/// </summary>
internal static class PreparationLock
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>Waits until the lock file can be opened exclusively; <paramref name="waiting"/> is called once if it has to wait.</summary>
    public static async Task<IDisposable> AcquireAsync(string lockFile, Action? waiting, CancellationToken cancellationToken)
    {
        var reported = false;
        while (true)
        {
            try
            {
                return new FileStream(lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                // Held by another preparer: it finishes (or dies, which releases the lock with its process).
                if (!reported)
                {
                    waiting?.Invoke();
                    reported = true;
                }

                await Task.Delay(RetryInterval, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
