using System.Text.Json.Nodes;
using MoT.Training.Configuration;

namespace MoT.Dashboard.Runs;

/// <summary>
/// The model a run trains, named the way the trainer resolves it from the config (a <c>model.experts: 4</c> on top of
/// preset <c>MoT-Tiny/8E</c> trains <c>MoT-Tiny/4E</c>), so pages never show the preset a search overrode.
/// </summary>
public static class ModelLabel
{
    public static string Of(string configJson)
    {
        try
        {
            if (JsonNode.Parse(configJson) is JsonObject root && RunConfigTranslator.Translate(root).Preset is { Length: > 0 } preset) return preset;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A config the trainer cannot resolve (it failed validation): show what it says instead.
        }

        var facts = RunConfigFacts.From(configJson);
        return facts.Preset ?? facts.Family;
    }
}
