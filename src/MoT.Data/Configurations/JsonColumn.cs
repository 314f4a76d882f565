using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MoT.Data.Configurations;

/// <summary>Marks a string property as a JSON document; the context maps it to jsonb on PostgreSQL.</summary>
internal static class JsonColumn
{
    public const string Annotation = "MoT:JsonDocument";

    public static PropertyBuilder<T> IsJsonDocument<T>(this PropertyBuilder<T> property) =>
        property.HasAnnotation(Annotation, true);
}
