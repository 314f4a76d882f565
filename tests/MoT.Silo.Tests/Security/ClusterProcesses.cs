using System.Diagnostics;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using MoT.Grains.Tests.Processes;

namespace MoT.Silo.Tests.Security;

/// <summary>Starting silo processes on localhost clustering, waiting on their state, and probing their ports.</summary>
internal static class ClusterProcesses
{
    public static SiloProcess StartSilo(string name, string role, int siloPort, int primaryPort, int gatewayPort, string clusterId,
        string workingDirectory, params string[] extra) =>
        SiloProcess.Start(name, [
            "--role", role, "--simulate",
            "--Silo:Name", name,
            "--Silo:SiloPort", siloPort.ToString(), "--Silo:PrimarySiloPort", primaryPort.ToString(),
            "--Silo:GatewayPort", gatewayPort.ToString(), "--Silo:ClusterId", clusterId,
            "--GpuSlots:OutputRoot", Path.Combine(workingDirectory, "runs"),
            "--GpuSlots:HeartbeatInterval", "00:00:01",
            "--Logging:LogLevel:Default", "Warning",
            .. extra,
        ], workingDirectory);

    /// <summary>Polls <paramref name="read"/> until <paramref name="done"/> holds; on timeout the failure names what was awaited and shows <paramref name="diagnostics"/>.</summary>
    public static async Task<T> WaitAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what, TimeSpan timeout, Func<string> diagnostics)
    {
        var clock = Stopwatch.StartNew();
        Exception? lastError = null;
        T? last = default;
        while (clock.Elapsed < timeout)
        {
            try
            {
                last = await read();
                if (done(last)) return last;
            }
            catch (Exception error)
            {
                lastError = error; // membership still converging: the next poll may succeed
            }

            await Task.Delay(250, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException($"waited {timeout.TotalSeconds:F0}s for {what}; last value {last}, last error {lastError?.Message}\n{diagnostics()}");
    }

    /// <summary>An IPv4 address of an interface of this machine that is up and not loopback; null when there is none.</summary>
    public static IPAddress? NonLoopbackIPv4() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));

    /// <summary>True when a TCP connection to <paramref name="address"/>:<paramref name="port"/> is accepted within five seconds.</summary>
    public static async Task<bool> AcceptsAsync(IPAddress address, int port)
    {
        using var client = new TcpClient(AddressFamily.InterNetwork);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await client.ConnectAsync(address, port, timeout.Token);
            return true;
        }
        catch (Exception error) when (error is SocketException or OperationCanceledException)
        {
            return false;
        }
    }
}
