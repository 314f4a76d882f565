namespace MoT.Silo.Tests.Sweeps;

/// <summary>
/// The malformed sweep files under MalformedSweeps/: each NAME.yaml has NAME.expected beside it, the exact error lines
/// (<c>path: message</c>) a user must see. Shared by the parse tests here and the CLI tests that run `mot sweep submit`.
/// </summary>
public static class MalformedSweepCorpus
{
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "MalformedSweeps");

    /// <summary>Every case name (file name without .yaml), sorted.</summary>
    public static IEnumerable<string> Names() =>
        Directory.EnumerateFiles(Folder, "*.yaml").Select(f => Path.GetFileNameWithoutExtension(f)!).Order(StringComparer.Ordinal);

    public static string FileOf(string name) => Path.Combine(Folder, name + ".yaml");

    /// <summary>The expected error lines of a case.</summary>
    public static IReadOnlyList<string> Expected(string name)
    {
        var file = Path.Combine(Folder, name + ".expected");
        return File.Exists(file) ? [.. File.ReadAllLines(file).Where(l => l.Length > 0)] : [];
    }

    /// <summary>What no user-facing error may contain: crash wording, .NET type names, lost structure.</summary>
    public static readonly string[] Forbidden =
        ["unexpected", "Exception", "System.", "Invalid cast", "(Collection)", "PublicKeyToken", "   at ", "Nullable", "Int32", "Int64"];
}
