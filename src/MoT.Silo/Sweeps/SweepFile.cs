using System.Text;
using MoT.Contracts.Sweeps;
using MoT.Grains.Sweeps;
using MoT.Training.Configuration;

namespace MoT.Silo.Sweeps;

/// <summary>The result of reading a sweep file: a spec ready to submit, or every problem (and then no spec).</summary>
public sealed record SweepFileResult(SweepSpec? Spec, IReadOnlyList<SpecError> Errors);

/// <summary>
/// A sweep file from disk to a validated <see cref="SweepSpec"/>, before anything contacts a cluster (what
/// <c>mot sweep submit</c> runs): the file must be a readable UTF-8 file within <see cref="InputLimits.MaxFileBytes"/>,
/// the YAML a sweep, every value valid for the run-config schema, and the spec what the grains will accept.
/// </summary>
public static class SweepFile
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static SweepFileResult Read(string path, string owner, InputLimits? limits = null)
    {
        limits ??= InputLimits.Default;
        var name = Path.GetFileName(path.TrimEnd('/', '\\'));
        if (Directory.Exists(path)) return Fail(name, $"{path} is a folder; give the sweep YAML file inside it");
        if (!File.Exists(path)) return Fail(name, $"{path} does not exist");
        byte[] bytes;
        try
        {
            var length = new FileInfo(path).Length;
            if (length > limits.MaxFileBytes)
                return Fail(name, $"the file is {length:N0} bytes; at most {limits.MaxFileBytes:N0} are allowed (limit MaxFileBytes)");
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return Fail(name, $"cannot be read: {error.Message}");
        }

        string text;
        try
        {
            text = StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException error)
        {
            return Fail(name, $"is not UTF-8 text (invalid byte at offset {error.Index}); save it as UTF-8");
        }
        return Parse(text.TrimStart('\uFEFF'), owner, limits, name);
    }

    /// <summary>Sweep YAML text to a validated spec (the dashboard's YAML view and the CLI share it).</summary>
    public static SweepFileResult Parse(string yaml, string owner, InputLimits? limits = null, string fileName = "")
    {
        limits ??= InputLimits.Default;
        var schema = ReferenceEquals(limits, InputLimits.Default) ? RunConfigSchema.Default : new RunConfigSchema(limits);
        var (form, readErrors) = SweepYaml.Read(yaml, limits);
        var errors = readErrors.Select(e => e.Path.Length == 0 ? e with { Path = fileName } : e).ToList();
        if (form is null) return new SweepFileResult(null, errors);

        // Every problem at once: what could not be read, and what the schema says about the rest.
        var reported = errors.Select(e => e.Path).ToHashSet(StringComparer.Ordinal);
        errors.AddRange(form.Validate(schema).Select(e => e with { Path = SweepYaml.PathInYaml(e.Path) }).Where(e => !reported.Contains(e.Path)));
        if (errors.Count > 0) return new SweepFileResult(null, errors);
        var spec = form.ToSpec(owner);
        // The grains check again on submit; the same rules here mean a spec that passes here is not refused there.
        var grainErrors = SearchSpace.Validate(spec, new SchemaRunConfigRules(schema));
        return grainErrors.Count > 0 ? new SweepFileResult(null, grainErrors) : new SweepFileResult(spec, []);
    }

    private static SweepFileResult Fail(string name, string message) => new(null, [new SpecError(name, message)]);
}
