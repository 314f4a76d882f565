using System.Buffers.Binary;

namespace MoT.Data.Annotations;

/// <summary>
/// Readable names for runs nobody named: <c>adjective-noun-NNN</c> (e.g. <c>brisk-falcon-417</c>), decided by the run
/// id alone, so every page, the CLI and exports agree without storing anything. 128 x 128 x 1000 = 16.4 million names:
/// among 100,000 runs about 0.6% share a name with another; the id stays the unique key.
/// </summary>
public static class RunNames
{
    /// <summary>The generated name of the run with this id.</summary>
    public static string For(Guid runId)
    {
        Span<byte> bytes = stackalloc byte[16];
        runId.TryWriteBytes(bytes);
        // Mix all 128 bits so that ids differing in any part (sequential or random) give unrelated names.
        var hash = Mix(BinaryPrimitives.ReadUInt64LittleEndian(bytes) ^ Mix(BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..])));
        var adjective = Adjectives[(int)(hash % (ulong)Adjectives.Length)];
        hash /= (ulong)Adjectives.Length;
        var noun = Nouns[(int)(hash % (ulong)Nouns.Length)];
        hash /= (ulong)Nouns.Length;
        return $"{adjective}-{noun}-{hash % 1000:000}";
    }

    /// <summary>What a run is called: its own name when it has one, otherwise its generated name.</summary>
    public static string Display(Guid runId, string? name) => string.IsNullOrWhiteSpace(name) ? For(runId) : name;

    // SplitMix64's finaliser: a bijection on 64 bits with full avalanche.
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    // Fixed forever: changing a word renames every run that drew it.
    private static readonly string[] Adjectives =
    [
        "able", "agile", "amber", "ample", "aqua", "arctic", "azure", "balmy", "bold", "brave", "breezy", "bright",
        "brisk", "calm", "candid", "carmine", "civic", "clear", "clever", "cobalt", "cool", "cosmic", "coral", "crisp",
        "curious", "dapper", "daring", "deep", "deft", "dewy", "eager", "early", "earnest", "easy", "electric", "elegant",
        "epic", "even", "fair", "fancy", "fast", "fearless", "fine", "firm", "fleet", "fluent", "frank", "fresh",
        "gentle", "giant", "glad", "golden", "grand", "green", "happy", "hardy", "hazel", "honest", "humble", "icy",
        "ideal", "indigo", "jade", "jolly", "keen", "kind", "lively", "lucid", "lucky", "lunar", "major", "mellow",
        "merry", "mighty", "misty", "modest", "neat", "nimble", "noble", "nova", "olive", "opal", "patient", "plucky",
        "polar", "polite", "prime", "proud", "quick", "quiet", "radiant", "rapid", "rare", "ready", "regal", "robust",
        "rosy", "royal", "ruby", "rustic", "sage", "scarlet", "serene", "sharp", "shiny", "silent", "silver", "simple",
        "sleek", "smart", "smooth", "snowy", "solar", "solid", "sonic", "spry", "steady", "stellar", "still", "stout",
        "sunny", "swift", "tidy", "tranquil", "true", "vivid", "warm", "witty",
    ];

    private static readonly string[] Nouns =
    [
        "acorn", "albatross", "anchor", "antelope", "aurora", "badger", "basil", "beacon", "bear", "beaver", "birch", "bison",
        "breeze", "brook", "canyon", "cardinal", "cedar", "cheetah", "cliff", "cloud", "comet", "condor", "coral", "cougar",
        "crane", "creek", "cricket", "cypress", "delta", "dolphin", "dove", "dune", "eagle", "ember", "falcon", "fern",
        "finch", "fjord", "flint", "forest", "fox", "galaxy", "gazelle", "geyser", "glacier", "grove", "gull", "harbor",
        "hare", "hawk", "heron", "hill", "ibis", "island", "jaguar", "jay", "kestrel", "koala", "lagoon", "lake",
        "lark", "laurel", "lemur", "linden", "lion", "lynx", "maple", "marten", "meadow", "meteor", "mink", "moon",
        "moose", "moss", "nebula", "newt", "oak", "ocean", "orca", "orchid", "osprey", "otter", "owl", "panda",
        "panther", "pebble", "pelican", "pine", "planet", "plover", "pond", "puffin", "quail", "quartz", "rabbit", "raven",
        "reef", "ridge", "river", "robin", "salmon", "sequoia", "shore", "sparrow", "spruce", "star", "stone", "stork",
        "summit", "swan", "tern", "thrush", "tiger", "trout", "tulip", "tundra", "valley", "walrus", "willow", "wolf",
        "wren", "yak", "zebra", "zephyr", "aspen", "bay", "lotus", "magpie",
    ];
}
