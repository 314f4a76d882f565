using System.Text.Json;
using System.Text.Json.Nodes;
using MoT.Contracts.Sweeps;

namespace MoT.Grains.Configs;

/// <summary>
/// What the grains check a run config against before anything is queued (defence in depth: every entry point checks
/// first). The platform host supplies the run-config schema; a bare cluster (tests, simulations) gets
/// <see cref="BasicRunConfigRules"/>, which checks only what the grains themselves need.
/// </summary>
public interface IRunConfigRules
{
    /// <summary>Every problem of a whole run config, each named by its config path; empty when it can run.</summary>
    IReadOnlyList<SpecError> CheckConfig(string configJson);

    /// <summary>Null when <paramref name="path"/> is a setting a sweep may search, otherwise the problem.</summary>
    string? CheckPath(string path);

    /// <summary>Null when <paramref name="value"/> may be set at <paramref name="path"/>, otherwise the problem.</summary>
    string? CheckValue(string path, JsonNode? value);

    /// <summary>True when the setting at <paramref name="path"/> takes whole numbers only (searched with int or choice).</summary>
    bool IsWholeNumber(string path);

    /// <summary>Tokens one optimizer step of this config trains (batch x gradient accumulation x context length), resolved
    /// as training resolves them; never throws (a config it cannot read counts what it states).</summary>
    long TokensPerStep(string configJson);

    /// <summary>Most runs a random or TPE sweep may create.</summary>
    int MaxRuns { get; }

    /// <summary>Most combinations a grid may expand to.</summary>
    int MaxGridSize { get; }

    /// <summary>Longest sweep name.</summary>
    int MaxNameLength { get; }
}

/// <summary>The grains' own minimum: configs are JSON objects and values can be stored (finite numbers).</summary>
public sealed class BasicRunConfigRules : IRunConfigRules
{
    public static BasicRunConfigRules Instance { get; } = new();

    public IReadOnlyList<SpecError> CheckConfig(string configJson) =>
        JsonConfig.TryParseObject(configJson, out _, out var error) ? [] : [new SpecError("config", error!)];

    public string? CheckPath(string path) => null;

    public string? CheckValue(string path, JsonNode? value) =>
        value is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<double>(out var d) && !double.IsFinite(d)
            ? "must be a finite number"
            : null;

    public bool IsWholeNumber(string path) => false;

    /// <summary>Only what the config states (the grains do not know the trainer's presets): 1 for what it leaves out.</summary>
    public long TokensPerStep(string configJson) => StatedTokensPerStep(configJson);

    /// <summary>training.batch_size x model.seq_len as written, 1 for each one left out.</summary>
    public static long StatedTokensPerStep(string configJson)
    {
        if (!JsonConfig.TryParseObject(configJson, out var config, out _)) return 1;
        var batch = JsonConfig.GetLong(config!, "training.batch_size") ?? 1;
        var seqLen = JsonConfig.GetLong(config!, "model.seq_len") ?? JsonConfig.GetLong(config!, "training.seq_len") ?? 1;
        return batch * seqLen;
    }

    public int MaxRuns => 10_000;

    public int MaxGridSize => 10_000;

    public int MaxNameLength => 128;
}
