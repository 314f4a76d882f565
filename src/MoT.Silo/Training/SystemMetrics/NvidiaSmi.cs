using System.ComponentModel;
using System.Diagnostics;

namespace MoT.Silo.Training.SystemMetrics;

/// <summary>What one nvidia-smi call gave: the answer, or why there is none.</summary>
public sealed record NvidiaSmiResult(GpuQueryAnswer? Answer, string? Problem);

/// <summary>
/// NVML's command-line front end, run as a child process with a timeout (a hung driver must not hang anything else).
/// Found on a PATH given at construction (the process's own by default) so a host without it is known before any
/// process is started.
/// </summary>
public sealed class NvidiaSmi(string? executable, TimeSpan timeout)
{
    /// <summary>How long one query may take before the child is killed.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(4);

    /// <summary>The full path of nvidia-smi, or null when it is not on the path searched.</summary>
    public string? Executable { get; } = executable;

    /// <summary>nvidia-smi as found on <paramref name="path"/> (default: this process's PATH).</summary>
    public static NvidiaSmi OnPath(string? path = null, TimeSpan? timeout = null) =>
        new(Find("nvidia-smi", path ?? Environment.GetEnvironmentVariable("PATH") ?? ""), timeout ?? DefaultTimeout);

    /// <summary>Runs the query; never throws for a missing, failing, slow or garbled nvidia-smi (the problem says which).</summary>
    public async Task<NvidiaSmiResult> QueryAsync(CancellationToken cancel = default)
    {
        if (Executable is null) return new NvidiaSmiResult(null, "nvidia-smi is not on the PATH");
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            ArgumentList = { $"--query-gpu={NvidiaSmiCsv.QueryFields}", "--format=csv,noheader,nounits" },
        };
        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception error)
        {
            return new NvidiaSmiResult(null, $"nvidia-smi could not start: {error.Message}");
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(timeout);
        var output = process.StandardOutput.ReadToEndAsync(deadline.Token);
        var errors = process.StandardError.ReadToEndAsync(deadline.Token);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
            var text = await output;
            if (process.ExitCode != 0)
                return new NvidiaSmiResult(null, $"nvidia-smi exited with {process.ExitCode}: {FirstLine(await errors)}{FirstLine(text)}");
            return new NvidiaSmiResult(NvidiaSmiCsv.Parse(text), null);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // exited meanwhile
            }

            return new NvidiaSmiResult(null, cancel.IsCancellationRequested ? "stopped" : $"nvidia-smi gave no answer within {timeout.TotalSeconds:0.#} s");
        }
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    private static string? Find(string name, string path)
    {
        foreach (var directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate) && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0))
                return candidate;
            if (OperatingSystem.IsWindows() && File.Exists(candidate + ".exe")) return candidate + ".exe";
        }

        return null;
    }
}
