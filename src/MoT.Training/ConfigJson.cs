using System.Text.Json;
using System.Text.Json.Serialization;

namespace MoT.Training;

/// <summary>The one JSON shape for configs and checkpoint state: camelCase, enums as strings.</summary>
public static class ConfigJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        AllowTrailingCommas = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
    };
}
