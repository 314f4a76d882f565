using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MoT.Cli.Bench;

/// <summary>
/// A platform host (silo or dashboard) started from its built dll as a child process for a benchmark: its output kept for
/// the error message if it dies, its whole process tree killed at the end.
/// </summary>
internal sealed class PlatformProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private PlatformProcess(Process process) => _process = process;

    public int Id => _process.Id;

    private string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    public static PlatformProcess Start(string dll, string workingDirectory, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {dll}");
        var child = new PlatformProcess(process);
        process.OutputDataReceived += (_, e) => child.Append(e.Data);
        process.ErrorDataReceived += (_, e) => child.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Fails with the process's last output when it has exited.</summary>
    public void ThrowIfExited(string what)
    {
        if (!_process.HasExited) return;
        var log = Log;
        throw new InvalidOperationException($"{what} exited with code {_process.ExitCode}; its last output:\n{log[Math.Max(0, log.Length - 4000)..]}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    /// <summary>A loopback port nobody listens on now (other silos on this machine keep theirs).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The folder holding MoT.Platform.sln above <paramref name="start"/>, or null.</summary>
    public static string? RepositoryRoot(string start)
    {
        var directory = new DirectoryInfo(start);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "MoT.Platform.sln"))) directory = directory.Parent;
        return directory?.FullName;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_log)
        {
            if (_log.Length > 200_000) _log.Remove(0, 100_000); // a chatty host must not grow the benchmark's own memory
            _log.AppendLine(line);
        }
    }
}
