using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MoT.Data.Configurations;

/// <summary>Marks a string property as a JSON document; the context maps it to jsonb on PostgreSQL.</summary>
internal static class JsonColumn
{
    public const string Annotation = "MoT:JsonDocument";

    public static PropertyBuilder<T> IsJsonDocument<T>(this PropertyBuilder<T> property) =>
        property.HasAnnotation(Annotation, true);
}

/// <summary>Marks a text key column compared byte-wise; the context gives it collation "C" on PostgreSQL.</summary>
internal static class OrdinalText
{
    public const string Annotation = "MoT:OrdinalText";

    /// <summary>
    /// Hot B-tree keys compare faster without locale rules (measured about 20% more ingest on metric_points under a
    /// C.UTF-8 database; more under en_US). SQLite's default BINARY collation is already ordinal.
    /// </summary>
    public static PropertyBuilder<string> IsOrdinalText(this PropertyBuilder<string> property) =>
        property.HasAnnotation(Annotation, true);
}
