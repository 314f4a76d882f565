using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MoT.Dashboard.Tests.EndToEnd;

/// <summary>
/// The real all-in-one dashboard (built dll, child process) on free loopback ports with a temp SQLite file and the
/// simulated executor stepping fast. One per test collection.
/// </summary>
public class DashboardServer : IAsyncLifetime
{
    private readonly StringBuilder _log = new();
    private Process? _process;

    /// <summary>An account only the sign-in lockout test uses, so locking it disturbs no other test.</summary>
    /// <summary>A researcher account for the API tests (tokens are issued to it directly in the store).</summary>
    public const string Researcher = "rita";

    public const string LockoutProbeUser = "lockout-probe", LockoutProbePassword = "probe-secret";

    /// <summary>A seeded account that must change its password at first sign-in (only the password-change test uses it).</summary>
    public const string NewcomerUser = "newcomer", NewcomerPassword = "set-by-admin";

    public const int SignInAttemptsPerMinute = 40;

    public int SiloPort { get; private set; }

    public int GatewayPort { get; private set; }

    public string BaseUrl { get; private set; } = "";
    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "mot-dashboard-e2e-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>Where screenshots go: TestResults/screenshots beside the test assembly.</summary>
    public static string ScreenshotDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");

    public string Log
    {
        get
        {
            lock (_log) return _log.ToString();
        }
    }

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(DataDirectory);
        Directory.CreateDirectory(ScreenshotDirectory);
        var httpPort = FreePort();
        var siloPort = SiloPort = FreePort();
        var gatewayPort = GatewayPort = FreePort();
        BaseUrl = $"http://127.0.0.1:{httpPort}";
        var dll = LocateDashboard();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(dll))))!, // the project folder (wwwroot)
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            dll,
            $"--urls={BaseUrl}",
            $"--Silo:SiloPort={siloPort}", $"--Silo:PrimarySiloPort={siloPort}", $"--Silo:GatewayPort={gatewayPort}",
            $"--Silo:Name=e2e-{siloPort}",
            $"--Database:DataDirectory={DataDirectory}",
            $"--GpuSlots:OutputRoot={Path.Combine(DataDirectory, "runs")}",
            "--GpuSlots:CpuSlots=2",
            "--GpuSlots:ProgressInterval=00:00:00.200",
            "--SimulatedTraining:StepDelay=00:00:00.030",
            "--Training:Executor=simulated",
            // Known passwords for the tests (the supported way: configured seed accounts); only the newcomer must change its own.
            "--Dashboard:SeedAdmin:Password=admin", "--Dashboard:SeedAdmin:MustChangePassword=false",
            "--Dashboard:SeedUsers:0:UserName=viewer", "--Dashboard:SeedUsers:0:Password=viewer", "--Dashboard:SeedUsers:0:Role=viewer",
            "--Dashboard:SeedUsers:0:MustChangePassword=false",
            $"--Dashboard:SeedUsers:1:UserName={LockoutProbeUser}", $"--Dashboard:SeedUsers:1:Password={LockoutProbePassword}", "--Dashboard:SeedUsers:1:Role=viewer",
            "--Dashboard:SeedUsers:1:MustChangePassword=false",
            $"--Dashboard:SeedUsers:2:UserName={NewcomerUser}", $"--Dashboard:SeedUsers:2:Password={NewcomerPassword}", "--Dashboard:SeedUsers:2:Role=researcher",
            // Every test signs in from 127.0.0.1; the rate-limit test probes from another loopback address.
            $"--Dashboard:SignIn:AttemptsPerWindow={SignInAttemptsPerMinute}",
            $"--Dashboard:SeedUsers:3:UserName={Researcher}", "--Dashboard:SeedUsers:3:Password=rita-secret", "--Dashboard:SeedUsers:3:Role=researcher",
            "--Dashboard:SeedUsers:3:MustChangePassword=false",
        }.Concat(ExtraArguments))
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production"; // as ./build.sh run: no developer error pages
        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the dashboard.");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"The dashboard exited with {_process.ExitCode}:\n{Log}");
            try
            {
                var response = await http.GetAsync($"{BaseUrl}/login");
                if (response.StatusCode == HttpStatusCode.OK && Log.Contains("registered")) return;
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"The dashboard did not answer on {BaseUrl} within 90 s:\n{Log}");
    }

    /// <summary>Settings a collection needs beyond the common ones (e.g. raised input limits).</summary>
    protected virtual IEnumerable<string> ExtraArguments => [];

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_log) _log.AppendLine(line);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The dashboard dll of the same configuration as this test assembly (the project reference builds it).</summary>
    private static string LocateDashboard()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "MoT.Platform.sln"))) directory = directory.Parent;
        if (directory is null) throw new InvalidOperationException("MoT.Platform.sln not found above " + AppContext.BaseDirectory);
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
        var dll = Path.Combine(directory.FullName, "web", "MoT.Dashboard", "bin", configuration, "net10.0", "MoT.Dashboard.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("Build the dashboard first.", dll);
    }
}

[CollectionDefinition(Name)]
public sealed class DashboardCollection : ICollectionFixture<DashboardServer>
{
    public const string Name = "dashboard";
}
