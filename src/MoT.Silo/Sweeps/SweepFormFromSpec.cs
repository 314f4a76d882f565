using System.Text.Json.Nodes;
using MoT.Contracts.Sweeps;
using MoT.Grains.Configs;
using MoT.Training.Configuration;

namespace MoT.Silo.Sweeps;

public sealed partial class SweepForm
{
    /// <summary>
    /// The form that submits <paramref name="spec"/> again ("clone with edits"), named as a copy. Settings the form
    /// does not edit (parameter conditions) are not carried over; everything the form and its YAML show is.
    /// </summary>
    public static SweepForm FromSpec(SweepSpec spec, InputLimits? limits = null)
    {
        limits ??= InputLimits.Default;
        var config = JsonConfig.TryParseObject(spec.BaseConfigJson, out var parsed, out _) ? parsed! : new JsonObject();
        var defaults = new SweepForm();
        var name = $"{spec.Name ?? "sweep"}-copy";
        return new SweepForm
        {
            Name = name.Length <= limits.MaxNameLength ? name : name[..limits.MaxNameLength],
            BasePreset = Read(config, "model.preset", defaults.BasePreset),
            Steps = Read(config, "training.steps", defaults.Steps),
            LearningRate = Read(config, "training.lr", defaults.LearningRate),
            EvalSet = Read(config, "data.eval_set", defaults.EvalSet),
            Tokenizer = Read(config, "data.tokenizer", defaults.Tokenizer),
            Method = spec.Method,
            Parameters = [.. spec.SearchSpace.Select(p => new ParameterForm
            {
                Path = p.Path, Kind = p.Kind, Low = p.Low, High = p.High, Step = p.Step, Values = [.. p.Values ?? []],
            })],
            MaxConcurrentRuns = spec.MaxConcurrentRuns,
            MaxRuns = spec.MaxRuns,
            Seed = spec.Seed,
            Priority = spec.Priority,
            EarlyStopping = spec.EarlyStopping is not null,
            AshaMinSteps = spec.EarlyStopping?.MinSteps ?? defaults.AshaMinSteps,
            AshaReductionFactor = spec.EarlyStopping?.ReductionFactor ?? defaults.AshaReductionFactor,
        };
    }

    private static T Read<T>(JsonObject config, string path, T fallback)
    {
        try
        {
            return JsonConfig.Get(config, path) is JsonValue value && value.TryGetValue<T>(out var read) ? read : fallback;
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            return fallback;
        }
    }
}
