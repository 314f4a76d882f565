using System.Globalization;
using System.Text.RegularExpressions;

namespace MoT.Training.Models;

/// <summary>A named architecture plus the batch it is meant to train with.</summary>
/// <param name="Name">Paper-style name, e.g. <c>MoT-Medium/32E/8</c>.</param>
/// <param name="Family">Transformer, MoT, TokenChoice or ExpertChoice (leaderboard grouping).</param>
/// <param name="Size">Tiny, Small, Medium or Base.</param>
public sealed record ModelPreset(string Name, string Family, string Size, ModelConfig Config, int DefaultBatchSize);

/// <summary>
/// Presets named as in the MoT paper: <c>{Family}-{Size}[/{g}E[/{k}]]</c>. For MoT, <c>/32E</c> means
/// group size 32 and 32 experts of the flop-matched width d_ff; <c>/k</c> splits them into 32k experts
/// of width d_ff/k (same parameters and FLOPs). Token Choice and Expert Choice use the same expert
/// shapes (Expert Choice groups like MoT and lets each expert take one token per group).
/// </summary>
public static partial class ModelPresets
{
    private sealed record SizeSpec(int DModel, int Layers, int Heads, int DFF, int Context, int Vocab, int Batch);

    private static readonly Dictionary<string, SizeSpec> Sizes = new(StringComparer.OrdinalIgnoreCase)
    {
        // Mini, Tiny and Small train on a 2-core CPU (tests, demos); vocab is set from the tokenizer. Mini is
        // narrow enough that a dense model runs out of capacity within minutes of CPU training (many
        // tokens per parameter), where extra expert parameters at equal FLOPs can show.
        ["Mini"] = new(64, 4, 4, 256, 64, 512, 32),
        ["Tiny"] = new(128, 4, 4, 512, 128, 512, 16),
        ["Small"] = new(256, 4, 4, 1024, 128, 512, 16),
        ["Medium"] = new(512, 8, 8, 2048, 256, 50257, 256),
        ["Base"] = new(768, 12, 12, 3072, 256, 50257, 256),
    };

    private static readonly string[] Families = ["Transformer", "MoT", "TokenChoice", "ExpertChoice"];

    /// <summary>The presets the CLI lists (any name matching the pattern resolves too).</summary>
    /// <summary>The sizes a preset name may use, smallest first (the one list the run-config schema offers too).</summary>
    public static IReadOnlyList<string> SizeNames => [.. Sizes.Keys];

    public static IReadOnlyList<string> Known { get; } =
    [
        "Transformer-Mini", "MoT-Mini/8E", "TokenChoice-Mini/8E", "ExpertChoice-Mini/8E",
        "Transformer-Tiny", "MoT-Tiny/8E", "MoT-Tiny/8E/4", "TokenChoice-Tiny/8E", "ExpertChoice-Tiny/8E",
        "Transformer-Small", "MoT-Small/16E", "MoT-Small/16E/4", "TokenChoice-Small/16E", "ExpertChoice-Small/16E",
        "Transformer-Medium", "MoT-Medium/32E", "MoT-Medium/32E/8", "MoT-Medium/32E/16",
        "TokenChoice-Medium/32E", "ExpertChoice-Medium/32E",
        "Transformer-Base", "MoT-Base/32E", "MoT-Base/64E/16", "TokenChoice-Base/32E", "ExpertChoice-Base/32E",
    ];

    [GeneratedRegex(@"^(?<family>[A-Za-z]+)-(?<size>[A-Za-z]+)(/(?<group>\d+)E(/(?<split>\d+))?)?$")]
    private static partial Regex NamePattern();

    /// <summary>The paper-style name of a family and size; <paramref name="experts"/> null for the dense Transformer.</summary>
    /// <param name="split">The <c>/k</c> suffix (experts split into k narrower ones); 1 writes none.</param>
    public static string NameOf(string family, string size, long? experts, long split = 1) =>
        experts is null ? $"{family}-{size}" : $"{family}-{size}/{experts}E" + (split > 1 ? $"/{split}" : "");

    /// <summary>
    /// <paramref name="name"/> with its expert count and/or split replaced (what a search over experts does to a named
    /// preset); a name without an expert suffix, or one that is not a preset name, comes back as it is.
    /// </summary>
    public static string WithExperts(string name, long? experts, long? split)
    {
        var match = NamePattern().Match(name.Trim());
        if (!match.Success || !match.Groups["group"].Success || (experts is null && split is null)) return name;
        return NameOf(match.Groups["family"].Value, match.Groups["size"].Value,
            experts ?? long.Parse(match.Groups["group"].Value, CultureInfo.InvariantCulture),
            split ?? (match.Groups["split"].Success ? long.Parse(match.Groups["split"].Value, CultureInfo.InvariantCulture) : 1));
    }

    /// <summary>Resolves a preset name; throws <see cref="ModelConfigException"/> naming what is wrong.</summary>
    public static ModelPreset Get(string name)
    {
        var match = NamePattern().Match(name.Trim());
        if (!match.Success)
            throw new ModelConfigException("Preset", $"'{name}' is not a preset name like MoT-Medium/32E/8 (see `mot presets`)");
        var family = Families.FirstOrDefault(f => f.Equals(match.Groups["family"].Value, StringComparison.OrdinalIgnoreCase))
            ?? throw new ModelConfigException("Preset", $"'{name}': unknown family '{match.Groups["family"].Value}' (one of {string.Join(", ", Families)})");
        if (!Sizes.TryGetValue(match.Groups["size"].Value, out var size))
            throw new ModelConfigException("Preset", $"'{name}': unknown size '{match.Groups["size"].Value}' (one of {string.Join(", ", Sizes.Keys)})");
        var hasExperts = match.Groups["group"].Success;
        if (family == "Transformer" && hasExperts)
            throw new ModelConfigException("Preset", $"'{name}': a dense Transformer has no experts");
        if (family != "Transformer" && !hasExperts)
            throw new ModelConfigException("Preset", $"'{name}': {family} needs an expert suffix such as /32E");

        var config = new ModelConfig
        {
            VocabSize = size.Vocab, ContextLength = size.Context, DModel = size.DModel,
            Layers = size.Layers, Heads = size.Heads, DFF = size.DFF,
        };
        if (hasExperts)
        {
            var group = int.Parse(match.Groups["group"].Value);
            var split = match.Groups["split"].Success ? int.Parse(match.Groups["split"].Value) : 1;
            if (group <= 0 || split <= 0 || size.DFF % split != 0)
                throw new ModelConfigException("Preset", $"'{name}': /{group}E/{split} must be positive and split d_ff ({size.DFF}) evenly");
            var experts = group * split;
            var expertSize = size.DFF / split;
            config = family switch
            {
                "MoT" => config with
                {
                    FeedForward = FeedForwardKind.MixtureOfTokens,
                    MixtureOfTokens = new MixtureOfTokensConfig(experts, group, expertSize),
                },
                "TokenChoice" => config with
                {
                    FeedForward = FeedForwardKind.TokenChoice,
                    TokenChoice = new TokenChoiceConfig(experts, expertSize),
                },
                _ => config with
                {
                    FeedForward = FeedForwardKind.ExpertChoice,
                    ExpertChoice = new ExpertChoiceConfig(experts, group, Capacity: 1, expertSize),
                },
            };
        }
        var canonicalSize = Sizes.Keys.First(k => k.Equals(match.Groups["size"].Value, StringComparison.OrdinalIgnoreCase));
        var canonical = $"{family}-{canonicalSize}{(hasExperts ? name[name.IndexOf('/')..] : "")}";
        var batch = Math.Max(size.Batch, config.MinimumBatchMultiple);
        return new ModelPreset(canonical, family, canonicalSize, config.Validate(), batch);
    }
}
