namespace MoT.Training.Data;

/// <summary>Text to token ids and back, with one end-of-text id used to separate documents.</summary>
public interface ITokenizer
{
    /// <summary>Stable name of the vocabulary (e.g. <c>bytes-v1</c>, <c>cl100k-compact-1a2b3c4d5e6f</c>):
    /// two runs are comparable on the leaderboard only when their tokenizer identities match.</summary>
    string Identity { get; }

    /// <summary>Number of ids; every id produced is in [0, VocabSize).</summary>
    int VocabSize { get; }

    /// <summary>The id placed between documents when packing.</summary>
    int EndOfText { get; }

    /// <summary>The serializable description that rebuilds this tokenizer (stored in checkpoints).</summary>
    TokenizerSpec Spec { get; }

    /// <summary>Token ids of <paramref name="text"/>; no end-of-text is appended.</summary>
    int[] Encode(string text);

    /// <summary>The text of <paramref name="ids"/>; end-of-text renders as <c>&lt;|endoftext|&gt;</c>.</summary>
    string Decode(ReadOnlySpan<int> ids);
}
