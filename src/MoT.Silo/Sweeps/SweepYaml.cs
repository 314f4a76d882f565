using MoT.Contracts.Sweeps;
using MoT.Training.Configuration;
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
            Values = p.Kind == ParameterKind.Choice ? [.. p.Values] : null,
        })],
    });

    /// <summary>
    /// Parses YAML into a new form; throws <see cref="SweepYamlException"/> with every problem of the file (each naming its
    /// key path) when it is not a sweep. The form still needs <see cref="SweepForm.Validate"/> for values that depend on
    /// the run-config schema.
    /// </summary>
    public static SweepForm FromYaml(string yaml, InputLimits? limits = null)
    {
        var (form, errors) = Read(yaml, limits);
        return errors.Count > 0 ? throw new SweepYamlException(errors) : form!;
    }

    /// <summary>
    /// Reads YAML into a form and the problems of reading it. The form is null when the file is not a sweep at all
    /// (not YAML, not a mapping, over a limit); otherwise fields that could not be read keep their defaults, so
    /// <see cref="SweepForm.Validate"/> can still report every other problem at once.
    /// </summary>
    public static (SweepForm? Form, IReadOnlyList<SpecError> Errors) Read(string yaml, InputLimits? limits = null)
    {
        limits ??= InputLimits.Default;
        System.Text.Json.Nodes.JsonNode? root;
        try
        {
            root = BoundedYaml.Parse(yaml, limits);
        }
        catch (SweepYamlException error)
        {
            return (null, error.Errors);
        }
        var reader = new DocumentReader(ReferenceEquals(limits, InputLimits.Default) ? RunConfigSchema.Default : new RunConfigSchema(limits));
        var form = reader.ReadForm(root);
        return (root is System.Text.Json.Nodes.JsonObject ? form : null, reader.Errors);
    }

    /// <summary>The YAML key of a form field path, for errors about a file (the form calls the preset <c>basePreset</c>).</summary>
    public static string PathInYaml(string formPath) =>
        formPath == "basePreset" ? "preset" : formPath;

    internal static string KindName(ParameterKind kind) => kind switch
    {
        ParameterKind.LogUniform => "log-uniform",
        _ => kind.ToString().ToLowerInvariant(),
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

/// <summary>YAML that does not describe a sweep; each problem names the line or field.</summary>
public sealed class SweepYamlException : Exception
{
    public SweepYamlException(string message) : this([new SpecError("", message)])
    {
    }

    public SweepYamlException(IReadOnlyList<SpecError> errors)
        : base(string.Join(Environment.NewLine, errors.Select(e => e.Path.Length == 0 ? e.Message : e.ToString())))
    {
        Errors = errors;
    }

    /// <summary>Every problem; a problem of the whole file has an empty path.</summary>
    public IReadOnlyList<SpecError> Errors { get; }
}
