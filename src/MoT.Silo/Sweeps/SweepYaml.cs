using MoT.Contracts.Sweeps;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace MoT.Silo.Sweeps;

/// <summary>The YAML twin of <see cref="SweepForm"/>: form -> YAML -> form gives the same form.</summary>
public static class SweepYaml
{
    private static readonly ISerializer Serializer = new SerializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .ConfigureDefaultValuesHandling(DefaultValuesHandling.OmitNull)
        .Build();

    private static readonly IDeserializer Deserializer = new DeserializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .Build();

    public static string ToYaml(SweepForm form) => Serializer.Serialize(new SweepDocument
    {
        Name = form.Name,
        Preset = form.BasePreset,
        Steps = form.Steps,
        LearningRate = form.LearningRate,
        Method = form.Method.ToString().ToLowerInvariant(),
        MaxConcurrentRuns = form.MaxConcurrentRuns,
        MaxRuns = form.MaxRuns,
        Seed = form.Seed,
        Priority = form.Priority,
        EvalSet = form.EvalSet,
        Tokenizer = form.Tokenizer,
        EarlyStopping = form.EarlyStopping ? new AshaDocument { MinSteps = form.AshaMinSteps, ReductionFactor = form.AshaReductionFactor } : null,
        Parameters = [.. form.Parameters.Select(p => new ParameterDocument
        {
            Path = p.Path,
            Kind = KindName(p.Kind),
            Low = p.Kind == ParameterKind.Choice ? null : p.Low,
            High = p.Kind == ParameterKind.Choice ? null : p.High,
            Step = p.Kind == ParameterKind.Int ? p.Step : null,
            Values = p.Kind == ParameterKind.Choice ? [.. p.ChoiceList] : null,
        })],
    });

    /// <summary>Parses YAML into a new form; throws <see cref="SweepYamlException"/> naming the line and problem.</summary>
    public static SweepForm FromYaml(string yaml)
    {
        SweepDocument document;
        try
        {
            document = Deserializer.Deserialize<SweepDocument>(yaml) ?? new SweepDocument();
        }
        catch (YamlException e)
        {
            var inner = e.InnerException?.Message;
            throw new SweepYamlException($"Line {e.Start.Line}, column {e.Start.Column}: {inner ?? e.Message}");
        }

        var defaults = new SweepForm();
        var form = new SweepForm
        {
            Name = document.Name ?? "",
            BasePreset = document.Preset ?? "",
            Steps = document.Steps ?? defaults.Steps,
            LearningRate = document.LearningRate ?? defaults.LearningRate,
            Method = ParseMethod(document.Method),
            MaxConcurrentRuns = document.MaxConcurrentRuns ?? defaults.MaxConcurrentRuns,
            MaxRuns = document.MaxRuns,
            Seed = document.Seed ?? 0,
            Priority = document.Priority ?? 0,
            EvalSet = document.EvalSet ?? defaults.EvalSet,
            Tokenizer = document.Tokenizer ?? defaults.Tokenizer,
            EarlyStopping = document.EarlyStopping is not null,
            AshaMinSteps = document.EarlyStopping?.MinSteps ?? defaults.AshaMinSteps,
            AshaReductionFactor = document.EarlyStopping?.ReductionFactor ?? defaults.AshaReductionFactor,
            Parameters = [.. (document.Parameters ?? []).Select((p, i) => new ParameterForm
            {
                Path = p.Path ?? "",
                Kind = ParseKind(p.Kind, i),
                Low = p.Low,
                High = p.High,
                Step = p.Step,
                Choices = string.Join(", ", p.Values ?? []),
            })],
        };
        return form;
    }

    /// <summary>The YAML key of a form field path, for errors about a file (the form calls the preset <c>basePreset</c>).</summary>
    public static string PathInYaml(string formPath) =>
        formPath == "basePreset" ? "preset" : formPath;

    private static string KindName(ParameterKind kind) => kind switch
    {
        ParameterKind.LogUniform => "log-uniform",
        _ => kind.ToString().ToLowerInvariant(),
    };

    private static ParameterKind ParseKind(string? text, int index) => text?.Trim().ToLowerInvariant().Replace("-", "").Replace("_", "") switch
    {
        "choice" => ParameterKind.Choice,
        "uniform" => ParameterKind.Uniform,
        "loguniform" or "log" => ParameterKind.LogUniform,
        "int" or "integer" => ParameterKind.Int,
        _ => throw new SweepYamlException($"parameters[{index}].kind: '{text}' is not one of choice, uniform, log-uniform, int."),
    };

    private static SearchMethod ParseMethod(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "random" => SearchMethod.Random,
        "grid" => SearchMethod.Grid,
        "tpe" => SearchMethod.Tpe,
        _ => throw new SweepYamlException($"method: '{text}' is not one of grid, random, tpe."),
    };

    internal sealed class SweepDocument
    {
        public string? Name { get; set; }
        public string? Preset { get; set; }
        public long? Steps { get; set; }
        public double? LearningRate { get; set; }
        public string? Method { get; set; }
        public int? MaxConcurrentRuns { get; set; }
        public int? MaxRuns { get; set; }
        public int? Seed { get; set; }
        public int? Priority { get; set; }
        public string? EvalSet { get; set; }
        public string? Tokenizer { get; set; }
        public AshaDocument? EarlyStopping { get; set; }
        public List<ParameterDocument>? Parameters { get; set; }
    }

    internal sealed class AshaDocument
    {
        public long? MinSteps { get; set; }
        public int? ReductionFactor { get; set; }
    }

    internal sealed class ParameterDocument
    {
        public string? Path { get; set; }
        public string? Kind { get; set; }
        public double? Low { get; set; }
        public double? High { get; set; }
        public double? Step { get; set; }
        public List<string>? Values { get; set; }
    }
}

/// <summary>YAML that does not describe a sweep; the message names the line or field.</summary>
public sealed class SweepYamlException(string message) : Exception(message);
