using MoT.Training.Configuration;

namespace MoT.Silo.Tests.Sweeps;

/// <summary>The README's table of settings and limits is the schema's own description, so the two cannot drift.</summary>
public sealed class ConfigReferenceTests
{
    [Fact]
    public void The_silo_readme_documents_every_setting_and_limit_exactly_as_the_schema_declares_them()
    {
        var readme = Path.Combine(RepositoryRoot(), "src", "MoT.Silo", "README.md");
        var text = File.ReadAllText(readme);
        var start = text.IndexOf(ConfigReference.StartMarker, StringComparison.Ordinal);
        var end = text.IndexOf(ConfigReference.EndMarker, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, $"{readme} lacks the config-reference markers");
        var generated = "\n\n" + ConfigReference.Markdown(RunConfigSchema.Default) + "\n";
        var current = text[(start + ConfigReference.StartMarker.Length)..end];
        if (current != generated && Environment.GetEnvironmentVariable("MOT_WRITE_DOCS") == "1")
        {
            File.WriteAllText(readme, text[..(start + ConfigReference.StartMarker.Length)] + generated + text[end..]);
            current = generated;
        }
        Assert.True(current == generated, "src/MoT.Silo/README.md's settings table differs from the schema; run this test with MOT_WRITE_DOCS=1 to regenerate it");

        foreach (var path in RunConfigSchema.Default.RunPaths) Assert.Contains($"`{path}`", current);
        foreach (var limit in typeof(InputLimits).GetProperties().Where(p => p.CanWrite)) Assert.Contains($"`{limit.Name}`", current);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MoT.Platform.sln"))) return dir.FullName;
        throw new InvalidOperationException("MoT.Platform.sln not found above the test output");
    }
}
