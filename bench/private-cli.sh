# Sourced by the long bench scripts from the repository root: builds the CLI once into a private
# directory, $cli, removed on exit, so that every run of a script uses the same code whatever
# changes in the working tree meanwhile. Run it as: node "$cli/dist/cli.js" ...
cli=$(mktemp -d /tmp/orthosparse-cli.XXXXXX)
trap 'rm -rf "$cli"' EXIT
node scripts/build.mjs > /dev/null
cp -r dist "$cli/dist"
ln -s "$PWD/node_modules" "$cli/node_modules"
cp package.json "$cli/"
