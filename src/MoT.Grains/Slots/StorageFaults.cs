namespace MoT.Grains.Slots;

/// <summary>
/// Storage errors that recur on the same volume: no space, a read-only file system, no permission. Another attempt on
/// the same volume would waste its steps up to the first checkpoint and fail the same way, so the run fails at once.
/// </summary>
public static class StorageFaults
{
    // errno values .NET reports as IOException.HResult on Linux, and the Windows HRESULTs for the same conditions.
    private const int NoSpace = 28, ReadOnlyFileSystem = 30, QuotaExceeded = 122;
    private const int DiskFull = unchecked((int)0x80070070), HandleDiskFull = unchecked((int)0x80070027), WriteProtect = unchecked((int)0x80070013);

    private static readonly string[] Phrases =
        ["No space left on device", "Read-only file system", "Permission denied", "Disk quota exceeded", "Access to the path"];

    /// <summary>The recurring storage condition behind <paramref name="error"/> (or one of its inner exceptions), else null.</summary>
    public static string? Describe(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is UnauthorizedAccessException) return $"permission denied: {e.Message}";
            if (e is IOException { HResult: NoSpace or DiskFull or HandleDiskFull }) return $"no space left: {e.Message}";
            if (e is IOException { HResult: ReadOnlyFileSystem or WriteProtect }) return $"read-only file system: {e.Message}";
            if (e is IOException { HResult: QuotaExceeded }) return $"disk quota exceeded: {e.Message}";
            // Native writers (libtorch) surface errno only as text.
            if (Phrases.FirstOrDefault(p => e.Message.Contains(p, StringComparison.OrdinalIgnoreCase)) is { } phrase)
                return $"{phrase.ToLowerInvariant()}: {e.Message}";
            if (e is AggregateException { InnerExceptions.Count: > 0 } aggregate && aggregate.InnerExceptions.Select(Describe).FirstOrDefault(d => d is not null) is { } inner)
                return inner;
        }

        return null;
    }

    /// <summary>Null when <paramref name="directory"/> can be created and written; else why not, in one line.</summary>
    public static string? CheckWritable(string directory)
    {
        try
        {
            Directory.CreateDirectory(directory);
            var probe = Path.Combine(directory, $".write-check-{Guid.NewGuid():N}");
            using (var stream = new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
                stream.WriteByte(0);
                stream.Flush(flushToDisk: true);
            }

            return null;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return $"checkpoint directory {directory} is not writable ({Describe(error) ?? error.Message})";
        }
    }
}
