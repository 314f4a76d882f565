using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MoT.Data;

namespace MoT.Cli.Commands;

/// <summary>The store a verb talks to: flags, else MOT_Database__Provider / MOT_Database__ConnectionString,
/// else the embedded SQLite file ./data/mot.db (the same default as the platform host).</summary>
internal sealed class DatabaseOptions
{
    public Option<string?> Provider { get; } = new("--provider") { Description = "Sqlite or PostgreSQL (default: Sqlite, or MOT_Database__Provider)" };
    public Option<string?> Connection { get; } = new("--connection") { Description = "Connection string (default: ./data/mot.db, or MOT_Database__ConnectionString)" };

    public void AddTo(Command command)
    {
        command.Add(Provider);
        command.Add(Connection);
    }

    public ServiceProvider BuildServices(ParseResult parse)
    {
        var settings = new Dictionary<string, string?>();
        if (parse.GetValue(Provider) is { } provider) settings["Database:Provider"] = provider;
        if (parse.GetValue(Connection) is { } connection) settings["Database:ConnectionString"] = connection;
        var configuration = new ConfigurationBuilder()
            .AddEnvironmentVariables("MOT_")
            .AddInMemoryCollection(settings)
            .Build();
        CheckConnectionString(configuration);
        return new ServiceCollection().AddMotData(configuration).BuildServiceProvider();
    }

    /// <summary>A malformed connection string is the user's to fix: say so here rather than let the driver's
    /// ArgumentException surface later as an unexpected error.</summary>
    private static void CheckConnectionString(IConfiguration configuration)
    {
        var connection = configuration["Database:ConnectionString"];
        if (string.IsNullOrWhiteSpace(connection)) return;
        try
        {
            _ = MotDataOptions.ParseProvider(configuration["Database:Provider"]) == DatabaseProvider.PostgreSQL
                ? new Npgsql.NpgsqlConnectionStringBuilder(connection).ConnectionString
                : new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connection).ConnectionString;
        }
        catch (ArgumentException error)
        {
            // The string itself is not echoed: it may hold a password.
            throw new InvalidOperationException($"the connection string (--connection or MOT_Database__ConnectionString) is not valid: {error.Message}");
        }
    }
}
