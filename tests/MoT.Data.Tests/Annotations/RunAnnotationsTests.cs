using Microsoft.Extensions.DependencyInjection;
using MoT.Data.Annotations;
using MoT.Data.Queries;
using MoT.Data.Tests.Infrastructure;

namespace MoT.Data.Tests.Annotations;

public abstract class RunAnnotationsTests(DatabaseTarget target) : DataTestBase(target)
{
    private RunAnnotations Annotations => Services.GetRequiredService<RunAnnotations>();
    private RunQueryService Queries => Services.GetRequiredService<RunQueryService>();
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private async Task<Guid[]> MatchAsync(string filter) =>
        [.. (await Queries.QueryAsync(filter, "created asc", 100, null, Token)).Items.Select(r => r.Id)];

    [Fact]
    public async Task Tags_set_on_a_run_are_stored_and_found_by_the_tag_filter()
    {
        var runs = await AddRunsAsync(NewRun(tags: "old"), NewRun());
        var tagged = runs[0].Id;

        var result = await Annotations.SetTagsAsync(tagged, [" baseline ", "lr-1e-3", "baseline", ""], Token);

        Assert.Equal(["baseline", "lr-1e-3"], result.Tags);
        Assert.Equal([tagged], await MatchAsync("tag:baseline"));
        Assert.Equal([tagged], await MatchAsync("tag:lr-1e-3"));
        Assert.Empty(await MatchAsync("tag:old")); // replaced, not added to
        Assert.Equal(["baseline", "lr-1e-3"], (await Annotations.GetAsync(tagged, Token))!.Tags);

        await Annotations.SetTagsAsync(tagged, [], Token);
        Assert.Empty(await MatchAsync("tag:baseline"));
    }

    [Fact]
    public async Task Notes_and_names_are_stored_and_a_blank_name_gives_back_the_generated_one()
    {
        var run = (await AddRunsAsync(NewRun()))[0];
        const string notes = "Checks whether warmup matters.\nAnswer: it does, \"a lot\", for MoT.";

        await Annotations.SetNotesAsync(run.Id, notes, Token);
        var renamed = await Annotations.RenameAsync(run.Id, "  warmup ablation  ", Token);

        var read = (await Annotations.GetAsync(run.Id, Token))!;
        Assert.Equal(notes, read.Notes);
        Assert.Equal("warmup ablation", read.Name);
        Assert.False(renamed.NameIsGenerated);
        Assert.Equal([run.Id], await MatchAsync("name = \"warmup ablation\""));

        var reset = await Annotations.RenameAsync(run.Id, " ", Token);
        Assert.Equal(RunNames.For(run.Id), reset.Name);
        Assert.True(reset.NameIsGenerated);
        Assert.Null((await Annotations.SetNotesAsync(run.Id, "", Token)).Notes);
    }

    [Theory]
    [InlineData("tag with space", "tags: 'tag with space' contains ' '")]
    [InlineData("a:b", "tags: 'a:b' contains ':'")]
    public async Task A_tag_the_filter_could_not_find_is_refused_naming_it(string tag, string expected)
    {
        var run = (await AddRunsAsync(NewRun(tags: "kept")))[0];

        var error = await Assert.ThrowsAsync<RunAnnotationException>(() => Annotations.SetTagsAsync(run.Id, ["fine", tag], Token));

        Assert.StartsWith(expected, error.Message);
        Assert.Equal(["kept"], (await Annotations.GetAsync(run.Id, Token))!.Tags); // nothing half-applied
    }

    [Fact]
    public async Task Limits_and_unknown_runs_answer_one_line_naming_the_field()
    {
        var run = (await AddRunsAsync(NewRun()))[0];

        var longName = await Assert.ThrowsAsync<RunAnnotationException>(() => Annotations.RenameAsync(run.Id, new string('x', 201), Token));
        var twoLines = await Assert.ThrowsAsync<RunAnnotationException>(() => Annotations.RenameAsync(run.Id, "a\nb", Token));
        var longNotes = await Assert.ThrowsAsync<RunAnnotationException>(() => Annotations.SetNotesAsync(run.Id, new string('n', 10_001), Token));
        var unknown = await Assert.ThrowsAsync<RunAnnotationException>(() => Annotations.SetNotesAsync(Guid.NewGuid(), "x", Token));

        Assert.Equal("name: at most 200 characters (was 201)", longName.Message);
        Assert.StartsWith("name: must be one line", twoLines.Message);
        Assert.Equal("notes: at most 10,000 characters (was 10,001)", longNotes.Message);
        Assert.Contains("is not in the run store yet", unknown.Message);
    }
}

public sealed class SqliteRunAnnotationsTests() : RunAnnotationsTests(new SqliteTarget());

[Collection(PostgresCollection.Name)]
public sealed class PostgresRunAnnotationsTests(PostgresServer server) : RunAnnotationsTests(new PostgresTarget(server));
