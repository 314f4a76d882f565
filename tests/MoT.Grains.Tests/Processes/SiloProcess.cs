using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MoT.Grains.Tests.Processes;

/// <summary>A MoT.Silo started as a separate OS process, with its output kept for diagnostics (shared by the Grains and Cli tests).</summary>
public sealed class SiloProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private SiloProcess(string name, IEnumerable<string> args, string? workingDirectory)
    {
        Name = name;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null) start.WorkingDirectory = workingDirectory; // where a silo's default ./data store goes
        start.ArgumentList.Add(SiloAssembly);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>MoT.Silo.dll built beside this test assembly's configuration.</summary>
    public static string SiloAssembly
    {
        get
        {
            var testBin = AppContext.BaseDirectory; // tests/{test project}/bin/{Configuration}/net10.0/
            var configuration = new DirectoryInfo(testBin.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
            var root = Path.GetFullPath(Path.Combine(testBin, "..", "..", "..", "..", ".."));
            return Path.Combine(root, "src", "MoT.Silo", "bin", configuration, "net10.0", "MoT.Silo.dll");
        }
    }

    public static SiloProcess Start(string name, IEnumerable<string> args, string? workingDirectory = null) => new(name, args, workingDirectory);

    /// <summary>SIGTERM, as compose and Kubernetes stop a container: the host shuts down gracefully.</summary>
    public void Terminate()
    {
        if (!_process.HasExited && SendSignal(_process.Id, SigTerm) != 0)
        {
            throw new InvalidOperationException($"could not send SIGTERM to silo {Name} (pid {_process.Id})");
        }
    }

    /// <summary>The exit code once the process ends within <paramref name="timeout"/>; a clear failure otherwise.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"silo {Name} did not exit within {timeout.TotalSeconds:F0}s:\n{Output()}");
        }

        _process.WaitForExit(); // drains the redirected output
        return _process.ExitCode;
    }

    private const int SigTerm = 15;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    /// <summary>SIGKILL: no shutdown code runs.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
    }

    public string Output()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }

    /// <summary>Connects an Orleans client once <paramref name="silo"/> accepts clients (a minute at most), failing fast if it exits.</summary>
    public static async Task<IHost> ConnectClientAsync(SiloProcess silo, Action<IClientBuilder> configure)
    {
        Assert.True(File.Exists(SiloAssembly), $"{SiloAssembly} is missing: build src/MoT.Silo");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            Assert.False(silo.HasExited, $"silo {silo.Name} exited:\n{silo.Output()}");
            var builder = Host.CreateApplicationBuilder();
            builder.Logging.ClearProviders();
            builder.UseOrleansClient(configure);
            var host = builder.Build();
            try
            {
                await host.StartAsync(TestContext.Current.CancellationToken);
                return host;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                host.Dispose();
                await Task.Delay(500, TestContext.Current.CancellationToken);
            }
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
