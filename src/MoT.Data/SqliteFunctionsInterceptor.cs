using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;
using MoT.Data.Queries;

namespace MoT.Data;

/// <summary>Registers the platform's SQL functions on every SQLite connection EF opens (SQLite has no CREATE FUNCTION).</summary>
internal sealed class SqliteFunctionsInterceptor : DbConnectionInterceptor
{
    public static readonly SqliteFunctionsInterceptor Instance = new();

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Register(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData,
        CancellationToken cancellationToken = default)
    {
        Register(connection);
        return Task.CompletedTask;
    }

    private static void Register(DbConnection connection)
    {
        if (connection is SqliteConnection sqlite)
        {
            sqlite.CreateFunction<string?, string, string, string, long, bool>(ConfigJson.SqliteFunctionName,
                (json, path, op, literal, quoted) => ConfigJson.Matches(json, path, op, literal, quoted != 0),
                isDeterministic: true);
            sqlite.CreateFunction<double, long, long>(LeaderboardQuery.SqliteBucketFunction,
                (flops, bucketsPerDecade) => LeaderboardQuery.Bucket(flops, (int)bucketsPerDecade), isDeterministic: true);
        }
    }
}
