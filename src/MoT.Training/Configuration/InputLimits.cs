using System.ComponentModel;

namespace MoT.Training.Configuration;

/// <summary>
/// Named limits on everything a user can send: run-config values, sweep files and their parsers. Each error that a
/// limit causes names the limit (e.g. "limit MaxSteps"), so an operator knows which setting to raise
/// (configuration section <see cref="Section"/>, e.g. <c>InputLimits:MaxSteps</c>).
/// </summary>
public sealed class InputLimits
{
    public const string Section = "InputLimits";

    /// <summary>The defaults (what the CLI uses, and what an unconfigured host uses).</summary>
    public static InputLimits Default { get; } = new();

    /// <summary>Most optimizer steps one run may take (also caps warmup, eval, log and checkpoint intervals).</summary>
    [Description("Most optimizer steps one run may take (also caps warmup, eval, log and checkpoint intervals).")]
    public long MaxSteps { get; set; } = 10_000_000;

    /// <summary>Highest peak learning rate (anything above diverges at once).</summary>
    [Description("Highest peak learning rate (anything above diverges at once).")]
    public double MaxLearningRate { get; set; } = 10;

    /// <summary>Most sequences per micro-batch.</summary>
    [Description("Most sequences per micro-batch.")]
    public int MaxBatchSize { get; set; } = 65_536;

    /// <summary>Longest context (sequence length) a model may have.</summary>
    [Description("Longest context (sequence length) a model may have.")]
    public int MaxContextLength { get; set; } = 65_536;

    /// <summary>Widest model dimension (d_model, d_ff, expert width).</summary>
    [Description("Widest model dimension (d_model, d_ff, expert width).")]
    public int MaxModelWidth { get; set; } = 65_536;

    /// <summary>Most Transformer blocks.</summary>
    [Description("Most Transformer blocks.")]
    public int MaxLayers { get; set; } = 256;

    /// <summary>Most experts in one MoT/MoE layer.</summary>
    [Description("Most experts in one MoT/MoE layer.")]
    public int MaxExperts { get; set; } = 8_192;

    /// <summary>Largest vocabulary.</summary>
    [Description("Largest vocabulary.")]
    public int MaxVocabSize { get; set; } = 1_048_576;

    /// <summary>Longest text value in a run config (preset, device, tokenizer, eval set ...).</summary>
    [Description("Longest text value in a run config (preset, device, tokenizer, eval set ...).")]
    public int MaxTextLength { get; set; } = 256;

    /// <summary>Longest data path (data.source).</summary>
    [Description("Longest data path (data.source).")]
    public int MaxPathLength { get; set; } = 1_024;

    /// <summary>Longest sweep name.</summary>
    [Description("Longest sweep name.")]
    public int MaxNameLength { get; set; } = 128;

    /// <summary>Largest sweep (or config) file, in bytes, read before any parsing.</summary>
    [Description("Largest sweep (or config) file, in bytes, read before any parsing.")]
    public long MaxFileBytes { get; set; } = 256 * 1024;

    /// <summary>Largest a YAML document may grow to once its aliases are expanded (counted while parsing).</summary>
    [Description("Largest a YAML document may grow to once its aliases are expanded (counted while parsing).")]
    public long MaxExpandedYamlBytes { get; set; } = 1024 * 1024;

    /// <summary>Deepest nesting of YAML lists and mappings.</summary>
    [Description("Deepest nesting of YAML lists and mappings.")]
    public int MaxYamlDepth { get; set; } = 32;

    /// <summary>Most runs one random or TPE sweep may create (its maxRuns).</summary>
    [Description("Most runs one random or TPE sweep may create (its maxRuns).")]
    public int MaxRuns { get; set; } = 10_000;

    /// <summary>Most combinations one grid sweep may expand to.</summary>
    [Description("Most combinations one grid sweep may expand to.")]
    public int MaxGridSize { get; set; } = 10_000;

    /// <summary>Most runs of one sweep that may train at once.</summary>
    [Description("Most runs of one sweep that may train at once.")]
    public int MaxConcurrentRuns { get; set; } = 1_024;

    /// <summary>Most searched parameters in one sweep.</summary>
    [Description("Most searched parameters in one sweep.")]
    public int MaxParameters { get; set; } = 64;

    /// <summary>Most values one choice parameter may list.</summary>
    [Description("Most values one choice parameter may list.")]
    public int MaxChoiceValues { get; set; } = 1_000;
}
