using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using MoT.Data.Configurations;
using MoT.Data.Entities;
using MoT.Data.Queries;

namespace MoT.Data;

/// <summary>The platform's one DbContext: users, API tokens, sweeps, runs, metric points, checkpoints and the audit log.</summary>
public class MotDbContext(DbContextOptions<MotDbContext> options) : DbContext(options)
{
    /// <summary>PostgreSQL schema of the platform's tables (the Orleans tables live beside it in public).</summary>
    public const string PostgresSchema = "mot";

    public DbSet<User> Users => Set<User>();
    public DbSet<Sweep> Sweeps => Set<Sweep>();
    public DbSet<Run> Runs => Set<Run>();
    public DbSet<RunTag> RunTags => Set<RunTag>();
    public DbSet<MetricPoint> MetricPoints => Set<MetricPoint>();
    public DbSet<RunLogLine> RunLogLines => Set<RunLogLine>();
    public DbSet<Checkpoint> Checkpoints => Set<Checkpoint>();
    public DbSet<GrainStateRecord> GrainStates => Set<GrainStateRecord>();
    public DbSet<AuditEntry> AuditLog => Set<AuditEntry>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        var postgres = Database.IsNpgsql();
        if (postgres)
            modelBuilder.HasDefaultSchema(PostgresSchema);

        modelBuilder.ApplyConfigurationsFromAssembly(typeof(MotDbContext).Assembly);

        // Config-path filters run in the database: a migration creates the PostgreSQL function, SQLite connections
        // get the same logic as a user function (SqliteFunctionsInterceptor).
        var matches = modelBuilder.HasDbFunction(typeof(ConfigJson).GetMethod(nameof(ConfigJson.Matches))!).IsNullable(false);
        if (postgres) matches.HasName("config_matches").HasSchema(PostgresSchema);
        else matches.HasName(ConfigJson.SqliteFunctionName);

        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(ToSnakeCase(property.Name));
                if (postgres && property.FindAnnotation(JsonColumn.Annotation) is not null)
                    property.SetColumnType("jsonb");
                if (postgres && property.FindAnnotation(OrdinalText.Annotation) is not null)
                    property.SetCollation("C");
                // SQLite stores DateTime as text without a kind; everything we write is UTC, say so on read.
                if (!postgres && property.ClrType == typeof(DateTime))
                    property.SetValueConverter(UtcDateTime);
                if (!postgres && property.ClrType == typeof(DateTime?))
                    property.SetValueConverter(NullableUtcDateTime);
            }
        }
    }

    // Unspecified is taken as UTC (never as local time), matching how filters parse dates.
    private static readonly ValueConverter<DateTime, DateTime> UtcDateTime =
        new(v => v.Kind == DateTimeKind.Local ? v.ToUniversalTime() : v, v => DateTime.SpecifyKind(v, DateTimeKind.Utc));

    private static readonly ValueConverter<DateTime?, DateTime?> NullableUtcDateTime =
        new(v => v.HasValue && v.Value.Kind == DateTimeKind.Local ? v.Value.ToUniversalTime() : v,
            v => v.HasValue ? DateTime.SpecifyKind(v.Value, DateTimeKind.Utc) : v);

    internal static string ToSnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]) && char.IsUpper(name[i - 1]))))
                    sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            else sb.Append(c);
        }
        return sb.ToString();
    }
}
