using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace MoT.Data.Tests.Infrastructure;

/// <summary>
/// A private PostgreSQL server for the test run: initdb + pg_ctl in a temp directory on a free port (as the
/// postgres OS user when running as root, since initdb refuses root), stopped and deleted at the end.
/// With MOT_TEST_POSTGRES set, that server is used instead and never stopped.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private string? _dataDirectory;
    private string? _binDirectory;
    private int _port;

    /// <summary>Connection string to the maintenance database (databases are created per test from here).</summary>
    public string AdminConnectionString { get; private set; } = "";

    /// <summary>True when this fixture started the server (and so may stop and restart it).</summary>
    public bool OwnsServer => _dataDirectory is not null;

    public async ValueTask InitializeAsync()
    {
        var external = Environment.GetEnvironmentVariable("MOT_TEST_POSTGRES");
        if (!string.IsNullOrWhiteSpace(external))
        {
            AdminConnectionString = external;
            return;
        }

        _binDirectory = FindBinDirectory();
        _port = FreePort();
        _dataDirectory = Path.Combine(Path.GetTempPath(), $"mot-pg-{Guid.NewGuid():N}"[..20]);
        Directory.CreateDirectory(_dataDirectory);
        if (IsRoot)
            await RunAsync("chown", "postgres:postgres", _dataDirectory);
        // -N: no fsync during initdb; the server below also runs without fsync (test data is disposable).
        await RunAsPostgresAsync("initdb", "-D", _dataDirectory, "-A", "trust", "-U", "mot", "-N", "-E", "UTF8");
        await StartAsync();
        AdminConnectionString = $"Host=127.0.0.1;Port={_port};Username=mot;Database=postgres;Pooling=false";
    }

    /// <summary>Starts the owned server (again).</summary>
    public Task StartAsync() => RunAsPostgresAsync("pg_ctl", "-D", _dataDirectory!, "-l",
        Path.Combine(_dataDirectory!, "server.log"), "-w", "-o",
        $"-p {_port} -k {_dataDirectory} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off " +
        "-c full_page_writes=off -c max_connections=200", "start");

    /// <summary>Stops the owned server (fast shutdown: open sessions are cut, as in a crash of the network).</summary>
    public Task StopAsync() => RunAsPostgresAsync("pg_ctl", "-D", _dataDirectory!, "-m", "fast", "-w", "stop");

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name, Pooling = true }.ToString();
    }

    /// <summary>Drops a database created by <see cref="CreateDatabaseAsync"/>, cutting its sessions.</summary>
    public async Task DropDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Renames a database (sessions cut first): connections to the old name then fail as if it were gone.</summary>
    public async Task RenameDatabaseAsync(string from, string to)
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using (var kill = new NpgsqlCommand(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = @name AND pid <> pg_backend_pid()", connection))
        {
            kill.Parameters.AddWithValue("name", from);
            await kill.ExecuteNonQueryAsync();
        }
        await using var rename = new NpgsqlCommand($"ALTER DATABASE \"{from}\" RENAME TO \"{to}\"", connection);
        await rename.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_dataDirectory is null) return;
        try
        {
            await RunAsPostgresAsync("pg_ctl", "-D", _dataDirectory, "-m", "immediate", "-w", "stop");
        }
        finally
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    private static bool IsRoot => Environment.UserName == "root";

    private static string FindBinDirectory()
    {
        var configured = Environment.GetEnvironmentVariable("MOT_PG_BIN");
        if (!string.IsNullOrWhiteSpace(configured)) return configured;
        const string root = "/usr/lib/postgresql";
        var newest = Directory.Exists(root)
            ? Directory.GetDirectories(root)
                .Select(d => (Dir: d, Version: int.TryParse(Path.GetFileName(d), out var v) ? v : -1))
                .Where(d => File.Exists(Path.Combine(d.Dir, "bin", "initdb")))
                .OrderByDescending(d => d.Version).Select(d => Path.Combine(d.Dir, "bin")).FirstOrDefault()
            : null;
        return newest ?? throw new InvalidOperationException(
            "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: install the postgresql package, " +
            "set MOT_PG_BIN, or point MOT_TEST_POSTGRES at a server.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private Task RunAsPostgresAsync(string tool, params string[] args)
    {
        var executable = Path.Combine(_binDirectory!, tool);
        return IsRoot
            ? RunAsync("runuser", ["-u", "postgres", "--", executable, .. args])
            : RunAsync(executable, args);
    }

    private static async Task RunAsync(string fileName, params string[] args)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException(
                $"{fileName} {string.Join(' ', args)} exited with {process.ExitCode}:\n{await stdout}\n{await stderr}");
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}
