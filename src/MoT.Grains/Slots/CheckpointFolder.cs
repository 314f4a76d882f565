using System.Globalization;
using System.Security.Cryptography;
using MoT.Contracts.Runs;

namespace MoT.Grains.Slots;

/// <summary>
/// The checkpoint files earlier attempts of a run left in its folder (<c>{OutputRoot}/{runId}/attempt-{n}/…/step-*</c>).
/// An attempt whose silo died while the control side was down never reported its last checkpoints; the next attempt
/// finds them here so that every file gets its row in the store (rotation and resume must see it).
/// </summary>
public static class CheckpointFolder
{
    /// <summary>Complete checkpoint files of attempts before <paramref name="currentAttempt"/>, with the attempt that wrote each.</summary>
    public static IReadOnlyList<(int Attempt, CheckpointInfo Checkpoint)> EarlierAttempts(string runFolder, int currentAttempt)
    {
        if (!Directory.Exists(runFolder))
        {
            return [];
        }

        var found = new List<(int, CheckpointInfo)>();
        foreach (var attemptFolder in Directory.GetDirectories(runFolder, "attempt-*"))
        {
            if (!int.TryParse(Path.GetFileName(attemptFolder)["attempt-".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var attempt)
                || attempt >= currentAttempt)
            {
                continue;
            }

            // The trainer writes into attempt-{n}/checkpoints/, the simulator into attempt-{n}/.
            foreach (var file in Directory.GetFiles(attemptFolder, "step-*", SearchOption.AllDirectories))
            {
                if (Read(file) is { } checkpoint)
                {
                    found.Add((attempt, checkpoint));
                }
            }
        }

        return [.. found.OrderBy(f => f.Item1).ThenBy(f => f.Item2.Step)];
    }

    /// <summary>
    /// A checkpoint file with its size and hash; null for what is not one or not complete: manifests and temporaries,
    /// a trainer checkpoint (<c>.ckpt</c>) whose manifest (written last) is missing, a file that cannot be read.
    /// </summary>
    private static CheckpointInfo? Read(string file)
    {
        var name = Path.GetFileName(file);
        var dot = name.IndexOf('.');
        if (dot < 0 || name.EndsWith(".manifest.json", StringComparison.Ordinal) || name.EndsWith(".tmp", StringComparison.Ordinal)
            || !long.TryParse(name.AsSpan("step-".Length, dot - "step-".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var step))
        {
            return null;
        }

        if (name.EndsWith(".ckpt", StringComparison.Ordinal) && !File.Exists(file + ".manifest.json"))
        {
            return null;
        }

        try
        {
            using var stream = File.OpenRead(file);
            var sha256 = Convert.ToHexStringLower(SHA256.HashData(stream));
            return new CheckpointInfo(step, file, stream.Length, sha256);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
